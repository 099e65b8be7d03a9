# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_bouncectl_global_optspecs
    string join \n threads= q/quiet now= chunk-size= config= h/help V/version
end

function __fish_bouncectl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_bouncectl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_bouncectl_using_subcommand
    set -l cmd (__fish_bouncectl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c bouncectl -n "__fish_bouncectl_needs_command" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_needs_command" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_needs_command" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_needs_command" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_needs_command" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -s h -l help -d 'Print help'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "analyze" -d 'Read mail logs and print the bounce-rate report'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "classify" -d 'Classify bounce replies: class (hard / soft / block), reason, and the rule that decided'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "suppress" -d 'Export the suppression list (analyzing the logs given first)'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "report" -d 'The report computed from the state, without reading logs'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "history" -d 'The timeline of one address: deliveries, outcomes, suppression'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "unsuppress" -d 'Take addresses off the suppression list (kept in their history)'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "filter" -d 'Drop suppressed addresses from a CSV send list'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "prune" -d 'Delete old deliveries, deferrals and signals from the state (never a suppression)'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "config" -d 'Print the effective settings and where each comes from (default, config file, environment, command line)'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "man" -d 'Print a man page (roff)'
complete -c bouncectl -n "__fish_bouncectl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -s f -l format -d 'Output format' -r -f -a "table\t'Text tables for a terminal'
json\t'The bouncectl.report/v1 JSON document'
markdown\t'Markdown, for tickets and chat'
csv\t'CSV, one row per breakdown key'
prometheus\t'Prometheus text format, for node-exporter\'s textfile collector'
html\t'One self-contained HTML page with a chart of the daily bounce rate'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -s o -l out -d 'Write the report to FILE (atomically) instead of standard output' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l top -d 'Rows in each breakdown but by reason and by day (0: all)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l fail-on -d 'Exit with code 3 when the bounce rate reaches this band' -r -f -a "warning\t'Exit 3 when the bounce rate reaches the warning band (or worse)'
critical\t'Exit 3 only in the critical band'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l warn -d 'Bounce rate where the warning band starts (2% or 0.02)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l crit -d 'Bounce rate above which the band is critical (5% or 0.05)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l min-volume -d 'Final deliveries a domain or provider needs before its own bounce or block rate can raise a warning or critical alert' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l by -d 'Breakdowns to show, in this order: domain, provider, reason, relay, sender, day, source (repeat the flag or separate with commas) [default: domain,reason,day]' -r -f -a "domain\t'Recipient domain'
provider\t'Mailbox provider (Google, Microsoft, ...), from the relay host or the domain'
reason\t'Bounce reason'
relay\t'Relay host the mail was handed to'
sender\t'Envelope sender'
day\t'UTC day'
source\t'List or import batch of the address (needs --sources)'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l sources -d 'CSV that maps addresses to the list or import batch they came from (header with an address column, e.g. email, and a source column, e.g. list, source or batch), for --by source' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l inactivity -d 'Warn when no delivery succeeded for this long before the end of the data (or before now, when the data ends longer ago than that): 6h, 90m, 2d, or off [default: off]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l color -d 'Colour the status bands in the table' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t'Always (even with NO_COLOR)'
never\t'Never'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l promote-after -d 'Consecutive soft-bounced deliveries that suppress an address' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l year -d 'Year of the last syslog line of each input (syslog dates carry none); earlier lines take the year that keeps them in order (December before January). Compressed input and stdin are read through once first to find that line [default: the year of each file\'s modification time]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l rules -d 'Classification rules (TOML) that take precedence over the built-in ones' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l input-format -d 'Input format' -r -f -a "auto\t'Recognise the format from the first lines'
postfix\t'Postfix syslog lines'
exim\t'Exim main log (plain or in syslog)'
ses\t'Amazon SES events (JSON lines or array, SNS envelopes)'
sendgrid\t'SendGrid Event Webhook JSON'
sendgrid-csv\t'SendGrid bounces/blocks CSV download'
mailgun\t'Mailgun events JSON (Events API, webhooks)'
postmark\t'Postmark bounces/webhooks JSON'
postmark-csv\t'Postmark bounces CSV'
sparkpost\t'SparkPost events JSON'
mandrill\t'Mandrill webhook events / rejects JSON'
mailchimp\t'Mailchimp audience export CSV (cleaned or unsubscribed)'
brevo\t'Brevo webhook JSON'
postal\t'Postal webhook JSON'
csv\t'Any CSV with a header (see --columns)'
journal\t'journalctl -o json or -o json-seq (Postfix or Exim in the journal)'
journal-export\t'journalctl -o export'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l columns -d 'Columns of CSV inputs, when their header names are not the usual ones: FIELD=HEADER pairs, fields email, timestamp, code, status, diagnostic, class, message_id (e.g. email=Email,code=Status,diagnostic=Reason)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l host -d 'This analyzer\'s name in the state, to keep the deliveries and input offsets of the MTAs sharing one database apart [default: the machine\'s host name]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l unit -d 'A systemd unit whose journal --journal reads (repeatable) [default: postfix.service, postfix@-.service, exim4.service]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l state -d 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l lock-timeout -d 'Seconds to wait while another run holds the state\'s lock' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l include-local -d 'Count local deliveries (mailboxes, pipes, content-filter hops) in the rates'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l include-notifications -d 'Count our own bounce notifications (null sender) in the rates'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l strict -d 'Stop with an error at the first line in no known form, instead of skipping and counting it'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l incremental -d 'Read only what is new since the last --incremental run: each input is remembered by its first bytes and the offset read, through rotation (mail.log → mail.log.1 → mail.log.2.gz) and truncation; deliveries still waiting carry over to the next run'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l no-state -d 'Keep no state: a pure one-shot report (nothing read from or written to the state database)'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -l journal -d 'Read the journal: run `journalctl -o json` for the --unit units and read what it prints (with FILEs, as one input more). With --incremental, the next run starts after the last record read (journalctl --after-cursor)'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand analyze" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -s f -l format -d 'Output format' -r -f -a "table\t'Aligned columns for a person'
json\t'JSON Lines: one object per input (input, class, reason, code, status, stage, rule, matched, deferral)'
tsv\t'Tab-separated: input, class, reason, code, status, rule, deferral, stage, matched'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -l rules -d 'Classification rules (TOML, the format of the built-in table) tried before the built-in ones; a rule reusing a built-in id replaces it' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -l stage -d 'The SMTP command the reply answered, when the text does not say (Postfix\'s "(in reply to RCPT TO command)" and Exim\'s "after RCPT TO:" in the text win). A 5xx to connect, helo or mail is a block; only a failure about the recipient can be hard' -r -f -a "connect\t'The server\'s greeting'
helo\t'HELO / EHLO'
mail\t'MAIL FROM'
rcpt\t'RCPT TO'
data\t'DATA and end of data'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -l explain -d 'Print the decision path of each text: codes found, stage and where it came from, the table and rule that decided, the words matched, and what the stage changed (with --format json: extra fields)'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand classify" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -s f -l format -d 'Output format' -r -f -a "csv\t'address,class,reason,first_seen,last_seen,bounces,diagnostic'
txt\t'One address per line'
json\t'bouncectl.suppression/v1 JSON document'
postfix-access\t'Postfix access(5) map: `address REJECT text` (run postmap on it)'
ses\t'Amazon SES suppression import CSV: address,BOUNCE (no header)'
sendgrid\t'SendGrid unsubscribe upload: one column `email`'
mailgun\t'Mailgun bounces import: address,code,error,created_at'
postmark\t'Postmark Suppressions API body: {"Suppressions":[{"EmailAddress":...}]}'
sparkpost\t'SparkPost suppression upload: recipient,type,description'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -s o -l out -d 'Write to FILE (atomically, mode 0600) instead of standard output' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l since -d 'Only addresses suppressed since then: 7d, 24h, 2w, or an RFC 3339 date' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l host -d 'This analyzer\'s name in the state, to keep the deliveries and input offsets of the MTAs sharing one database apart [default: the machine\'s host name]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l promote-after -d 'Consecutive soft-bounced deliveries that suppress an address' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l year -d 'Year of the last syslog line of each input (earlier lines keep their order across January) [default: from each file\'s modification time]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l rules -d 'Classification rules (TOML) that take precedence over the built-in ones' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l input-format -d 'Input format' -r -f -a "auto\t'Recognise the format from the first lines'
postfix\t'Postfix syslog lines'
exim\t'Exim main log (plain or in syslog)'
ses\t'Amazon SES events (JSON lines or array, SNS envelopes)'
sendgrid\t'SendGrid Event Webhook JSON'
sendgrid-csv\t'SendGrid bounces/blocks CSV download'
mailgun\t'Mailgun events JSON (Events API, webhooks)'
postmark\t'Postmark bounces/webhooks JSON'
postmark-csv\t'Postmark bounces CSV'
sparkpost\t'SparkPost events JSON'
mandrill\t'Mandrill webhook events / rejects JSON'
mailchimp\t'Mailchimp audience export CSV (cleaned or unsubscribed)'
brevo\t'Brevo webhook JSON'
postal\t'Postal webhook JSON'
csv\t'Any CSV with a header (see --columns)'
journal\t'journalctl -o json or -o json-seq (Postfix or Exim in the journal)'
journal-export\t'journalctl -o export'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l columns -d 'Columns of CSV inputs, when their header names are not the usual ones: FIELD=HEADER pairs, fields email, timestamp, code, status, diagnostic, class, message_id (e.g. email=Email,code=Status,diagnostic=Reason)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l state -d 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l lock-timeout -d 'Seconds to wait while another run holds the state\'s lock' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l include-at-risk -d 'Also list at-risk addresses (soft bounces in a row, not yet suppressed); csv, txt and json only'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l contradicted -d 'Only the addresses suppressed by a hard bounce that accepted mail afterwards (a delivery stored at a later time, in this run or any earlier one): the bounce was misread or the address came back. csv and json add the bounce\'s time (bounced_at) and the first later delivery\'s (delivered_at); `bouncectl unsuppress --contradicted` takes them all off the list'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l incremental -d 'Read only what is new in the inputs since the last incremental run'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l no-state -d 'Keep no state: the list of the inputs given only'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l include-local -d 'Count local deliveries in the suppression decisions too'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l include-notifications -d 'Count our own bounce notifications (null sender) too'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -l strict -d 'Stop with an error at the first line in no known form'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand suppress" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l since -d 'Only deliveries from then on: 7d, 24h, 2w, or an RFC 3339 date' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -s f -l format -d 'Output format' -r -f -a "table\t'Text tables for a terminal'
json\t'The bouncectl.report/v1 JSON document'
markdown\t'Markdown, for tickets and chat'
csv\t'CSV, one row per breakdown key'
prometheus\t'Prometheus text format, for node-exporter\'s textfile collector'
html\t'One self-contained HTML page with a chart of the daily bounce rate'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -s o -l out -d 'Write the report to FILE (atomically) instead of standard output' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l top -d 'Rows in each breakdown but by reason and by day (0: all)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l fail-on -d 'Exit with code 3 when the bounce rate reaches this band' -r -f -a "warning\t'Exit 3 when the bounce rate reaches the warning band (or worse)'
critical\t'Exit 3 only in the critical band'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l warn -d 'Bounce rate where the warning band starts (2% or 0.02)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l crit -d 'Bounce rate above which the band is critical (5% or 0.05)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l min-volume -d 'Final deliveries a domain or provider needs before its own bounce or block rate can raise a warning or critical alert' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l by -d 'Breakdowns to show, in this order: domain, provider, reason, relay, sender, day, source (repeat the flag or separate with commas) [default: domain,reason,day]' -r -f -a "domain\t'Recipient domain'
provider\t'Mailbox provider (Google, Microsoft, ...), from the relay host or the domain'
reason\t'Bounce reason'
relay\t'Relay host the mail was handed to'
sender\t'Envelope sender'
day\t'UTC day'
source\t'List or import batch of the address (needs --sources)'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l sources -d 'CSV that maps addresses to the list or import batch they came from (header with an address column, e.g. email, and a source column, e.g. list, source or batch), for --by source' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l inactivity -d 'Warn when no delivery succeeded for this long before the end of the data (or before now, when the data ends longer ago than that): 6h, 90m, 2d, or off [default: off]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l color -d 'Colour the status bands in the table' -r -f -a "auto\t'On a terminal, unless NO_COLOR is set'
always\t'Always (even with NO_COLOR)'
never\t'Never'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l state -d 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l lock-timeout -d 'Seconds to wait while another run holds the state\'s lock' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l include-local -d 'Count local deliveries (mailboxes, pipes, content-filter hops) in the rates'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -l include-notifications -d 'Count our own bounce notifications (null sender) in the rates'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand report" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand history" -s f -l format -d 'Output format' -r -f -a "table\t'Aligned columns for a person'
json\t'bouncectl.history/v1 JSON document'"
complete -c bouncectl -n "__fish_bouncectl_using_subcommand history" -l state -d 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand history" -l lock-timeout -d 'Seconds to wait while another run holds the state\'s lock' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand history" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand history" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand history" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand history" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand history" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand history" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -l reason -d 'Why (kept in the address\'s history)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -l state -d 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -l lock-timeout -d 'Seconds to wait while another run holds the state\'s lock' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -l contradicted -d 'Take off every address that `bouncectl suppress --contradicted` lists (suppressed by a hard bounce, delivered to after it), each with a note in its history naming the delivery, the bounce and its rule'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -s h -l help -d 'Print help'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand unsuppress" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -l column -d 'The column with the addresses: its header name, or its number (1 is the first) [default: found by header name: email, e-mail, email address, mail, address, recipient]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -l delimiter -d 'Field delimiter [default: the most frequent of , ; and tab in the first line]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -s o -l out -d 'Where to write the kept rows (atomically, mode 0600) [default: standard output]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -l state -d 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -l lock-timeout -d 'Seconds to wait while another run holds the state\'s lock' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -l no-header -d 'The list has no header row'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -s h -l help -d 'Print help'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand filter" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -l older-than -d 'Delete what happened longer ago than this before now: 400d, 52w, 9000h' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -l state -d 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -l lock-timeout -d 'Seconds to wait while another run holds the state\'s lock' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -l dry-run -d 'Only count what would be deleted'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -s h -l help -d 'Print help'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand prune" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand config" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand config" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand config" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand config" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand config" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand config" -s h -l help -d 'Print help'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand config" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand completions" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand completions" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand completions" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand completions" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand completions" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand man" -l threads -d 'Parser threads [default: the number of CPUs]' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand man" -l now -d 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand man" -l chunk-size -d 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)' -r
complete -c bouncectl -n "__fish_bouncectl_using_subcommand man" -l config -d 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]' -r -F
complete -c bouncectl -n "__fish_bouncectl_using_subcommand man" -s q -l quiet -d 'Print no progress bar and no warnings on stderr'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand man" -s h -l help -d 'Print help'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand man" -s V -l version -d 'Print version'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "analyze" -d 'Read mail logs and print the bounce-rate report'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "classify" -d 'Classify bounce replies: class (hard / soft / block), reason, and the rule that decided'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "suppress" -d 'Export the suppression list (analyzing the logs given first)'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "report" -d 'The report computed from the state, without reading logs'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "history" -d 'The timeline of one address: deliveries, outcomes, suppression'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "unsuppress" -d 'Take addresses off the suppression list (kept in their history)'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "filter" -d 'Drop suppressed addresses from a CSV send list'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "prune" -d 'Delete old deliveries, deferrals and signals from the state (never a suppression)'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "config" -d 'Print the effective settings and where each comes from (default, config file, environment, command line)'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "man" -d 'Print a man page (roff)'
complete -c bouncectl -n "__fish_bouncectl_using_subcommand help; and not __fish_seen_subcommand_from analyze classify suppress report history unsuppress filter prune config completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
