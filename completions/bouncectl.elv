
use builtin;
use str;

set edit:completion:arg-completer[bouncectl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'bouncectl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'bouncectl'= {
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand analyze 'Read mail logs and print the bounce-rate report'
            cand classify 'Classify bounce replies: class (hard / soft / block), reason, and the rule that decided'
            cand suppress 'Export the suppression list (analyzing the logs given first)'
            cand report 'The report computed from the state, without reading logs'
            cand history 'The timeline of one address: deliveries, outcomes, suppression'
            cand unsuppress 'Take addresses off the suppression list (kept in their history)'
            cand filter 'Drop suppressed addresses from a CSV send list'
            cand prune 'Delete old deliveries, deferrals and signals from the state (never a suppression)'
            cand config 'Print the effective settings and where each comes from (default, config file, environment, command line)'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'bouncectl;analyze'= {
            cand -f 'Output format'
            cand --format 'Output format'
            cand -o 'Write the report to FILE (atomically) instead of standard output'
            cand --out 'Write the report to FILE (atomically) instead of standard output'
            cand --top 'Rows in each breakdown but by reason and by day (0: all)'
            cand --fail-on 'Exit with code 3 when the bounce rate reaches this band'
            cand --warn 'Bounce rate where the warning band starts (2% or 0.02)'
            cand --crit 'Bounce rate above which the band is critical (5% or 0.05)'
            cand --min-volume 'Final deliveries a domain or provider needs before its own bounce or block rate can raise a warning or critical alert'
            cand --by 'Breakdowns to show, in this order: domain, provider, reason, relay, sender, day, source (repeat the flag or separate with commas) [default: domain,reason,day]'
            cand --sources 'CSV that maps addresses to the list or import batch they came from (header with an address column, e.g. email, and a source column, e.g. list, source or batch), for --by source'
            cand --inactivity 'Warn when no delivery succeeded for this long before the end of the data (or before now, when the data ends longer ago than that): 6h, 90m, 2d, or off [default: off]'
            cand --color 'Colour the status bands in the table'
            cand --promote-after 'Consecutive soft-bounced deliveries that suppress an address'
            cand --year 'Year of the last syslog line of each input (syslog dates carry none); earlier lines take the year that keeps them in order (December before January). Compressed input and stdin are read through once first to find that line [default: the year of each file''s modification time]'
            cand --rules 'Classification rules (TOML) that take precedence over the built-in ones'
            cand --input-format 'Input format'
            cand --columns 'Columns of CSV inputs, when their header names are not the usual ones: FIELD=HEADER pairs, fields email, timestamp, code, status, diagnostic, class, message_id (e.g. email=Email,code=Status,diagnostic=Reason)'
            cand --host 'This analyzer''s name in the state, to keep the deliveries and input offsets of the MTAs sharing one database apart [default: the machine''s host name]'
            cand --unit 'A systemd unit whose journal --journal reads (repeatable) [default: postfix.service, postfix@-.service, exim4.service]'
            cand --state 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]'
            cand --lock-timeout 'Seconds to wait while another run holds the state''s lock'
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand --include-local 'Count local deliveries (mailboxes, pipes, content-filter hops) in the rates'
            cand --include-notifications 'Count our own bounce notifications (null sender) in the rates'
            cand --strict 'Stop with an error at the first line in no known form, instead of skipping and counting it'
            cand --incremental 'Read only what is new since the last --incremental run: each input is remembered by its first bytes and the offset read, through rotation (mail.log → mail.log.1 → mail.log.2.gz) and truncation; deliveries still waiting carry over to the next run'
            cand --no-state 'Keep no state: a pure one-shot report (nothing read from or written to the state database)'
            cand --journal 'Read the journal: run `journalctl -o json` for the --unit units and read what it prints (with FILEs, as one input more). With --incremental, the next run starts after the last record read (journalctl --after-cursor)'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;classify'= {
            cand -f 'Output format'
            cand --format 'Output format'
            cand --rules 'Classification rules (TOML, the format of the built-in table) tried before the built-in ones; a rule reusing a built-in id replaces it'
            cand --stage 'The SMTP command the reply answered, when the text does not say (Postfix''s "(in reply to RCPT TO command)" and Exim''s "after RCPT TO:" in the text win). A 5xx to connect, helo or mail is a block; only a failure about the recipient can be hard'
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand --explain 'Print the decision path of each text: codes found, stage and where it came from, the table and rule that decided, the words matched, and what the stage changed (with --format json: extra fields)'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;suppress'= {
            cand -f 'Output format'
            cand --format 'Output format'
            cand -o 'Write to FILE (atomically, mode 0600) instead of standard output'
            cand --out 'Write to FILE (atomically, mode 0600) instead of standard output'
            cand --since 'Only addresses suppressed since then: 7d, 24h, 2w, or an RFC 3339 date'
            cand --host 'This analyzer''s name in the state, to keep the deliveries and input offsets of the MTAs sharing one database apart [default: the machine''s host name]'
            cand --promote-after 'Consecutive soft-bounced deliveries that suppress an address'
            cand --year 'Year of the last syslog line of each input (earlier lines keep their order across January) [default: from each file''s modification time]'
            cand --rules 'Classification rules (TOML) that take precedence over the built-in ones'
            cand --input-format 'Input format'
            cand --columns 'Columns of CSV inputs, when their header names are not the usual ones: FIELD=HEADER pairs, fields email, timestamp, code, status, diagnostic, class, message_id (e.g. email=Email,code=Status,diagnostic=Reason)'
            cand --state 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]'
            cand --lock-timeout 'Seconds to wait while another run holds the state''s lock'
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand --include-at-risk 'Also list at-risk addresses (soft bounces in a row, not yet suppressed); csv, txt and json only'
            cand --contradicted 'Only the addresses suppressed by a hard bounce that accepted mail afterwards (a delivery stored at a later time, in this run or any earlier one): the bounce was misread or the address came back. csv and json add the bounce''s time (bounced_at) and the first later delivery''s (delivered_at); `bouncectl unsuppress --contradicted` takes them all off the list'
            cand --incremental 'Read only what is new in the inputs since the last incremental run'
            cand --no-state 'Keep no state: the list of the inputs given only'
            cand --include-local 'Count local deliveries in the suppression decisions too'
            cand --include-notifications 'Count our own bounce notifications (null sender) too'
            cand --strict 'Stop with an error at the first line in no known form'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;report'= {
            cand --since 'Only deliveries from then on: 7d, 24h, 2w, or an RFC 3339 date'
            cand -f 'Output format'
            cand --format 'Output format'
            cand -o 'Write the report to FILE (atomically) instead of standard output'
            cand --out 'Write the report to FILE (atomically) instead of standard output'
            cand --top 'Rows in each breakdown but by reason and by day (0: all)'
            cand --fail-on 'Exit with code 3 when the bounce rate reaches this band'
            cand --warn 'Bounce rate where the warning band starts (2% or 0.02)'
            cand --crit 'Bounce rate above which the band is critical (5% or 0.05)'
            cand --min-volume 'Final deliveries a domain or provider needs before its own bounce or block rate can raise a warning or critical alert'
            cand --by 'Breakdowns to show, in this order: domain, provider, reason, relay, sender, day, source (repeat the flag or separate with commas) [default: domain,reason,day]'
            cand --sources 'CSV that maps addresses to the list or import batch they came from (header with an address column, e.g. email, and a source column, e.g. list, source or batch), for --by source'
            cand --inactivity 'Warn when no delivery succeeded for this long before the end of the data (or before now, when the data ends longer ago than that): 6h, 90m, 2d, or off [default: off]'
            cand --color 'Colour the status bands in the table'
            cand --state 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]'
            cand --lock-timeout 'Seconds to wait while another run holds the state''s lock'
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand --include-local 'Count local deliveries (mailboxes, pipes, content-filter hops) in the rates'
            cand --include-notifications 'Count our own bounce notifications (null sender) in the rates'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;history'= {
            cand -f 'Output format'
            cand --format 'Output format'
            cand --state 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]'
            cand --lock-timeout 'Seconds to wait while another run holds the state''s lock'
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;unsuppress'= {
            cand --reason 'Why (kept in the address''s history)'
            cand --state 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]'
            cand --lock-timeout 'Seconds to wait while another run holds the state''s lock'
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand --contradicted 'Take off every address that `bouncectl suppress --contradicted` lists (suppressed by a hard bounce, delivered to after it), each with a note in its history naming the delivery, the bounce and its rule'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;filter'= {
            cand --column 'The column with the addresses: its header name, or its number (1 is the first) [default: found by header name: email, e-mail, email address, mail, address, recipient]'
            cand --delimiter 'Field delimiter [default: the most frequent of , ; and tab in the first line]'
            cand -o 'Where to write the kept rows (atomically, mode 0600) [default: standard output]'
            cand --out 'Where to write the kept rows (atomically, mode 0600) [default: standard output]'
            cand --state 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]'
            cand --lock-timeout 'Seconds to wait while another run holds the state''s lock'
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand --no-header 'The list has no header row'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;prune'= {
            cand --older-than 'Delete what happened longer ago than this before now: 400d, 52w, 9000h'
            cand --state 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]'
            cand --lock-timeout 'Seconds to wait while another run holds the state''s lock'
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand --dry-run 'Only count what would be deleted'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;config'= {
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;completions'= {
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;man'= {
            cand --threads 'Parser threads [default: the number of CPUs]'
            cand --now 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs'
            cand --chunk-size 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)'
            cand --config 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]'
            cand -q 'Print no progress bar and no warnings on stderr'
            cand --quiet 'Print no progress bar and no warnings on stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncectl;help'= {
            cand analyze 'Read mail logs and print the bounce-rate report'
            cand classify 'Classify bounce replies: class (hard / soft / block), reason, and the rule that decided'
            cand suppress 'Export the suppression list (analyzing the logs given first)'
            cand report 'The report computed from the state, without reading logs'
            cand history 'The timeline of one address: deliveries, outcomes, suppression'
            cand unsuppress 'Take addresses off the suppression list (kept in their history)'
            cand filter 'Drop suppressed addresses from a CSV send list'
            cand prune 'Delete old deliveries, deferrals and signals from the state (never a suppression)'
            cand config 'Print the effective settings and where each comes from (default, config file, environment, command line)'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'bouncectl;help;analyze'= {
        }
        &'bouncectl;help;classify'= {
        }
        &'bouncectl;help;suppress'= {
        }
        &'bouncectl;help;report'= {
        }
        &'bouncectl;help;history'= {
        }
        &'bouncectl;help;unsuppress'= {
        }
        &'bouncectl;help;filter'= {
        }
        &'bouncectl;help;prune'= {
        }
        &'bouncectl;help;config'= {
        }
        &'bouncectl;help;completions'= {
        }
        &'bouncectl;help;man'= {
        }
        &'bouncectl;help;help'= {
        }
    ]
    $completions[$command]
}
