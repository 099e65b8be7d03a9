
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'bouncectl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'bouncectl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'bouncectl' {
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('analyze', 'analyze', [CompletionResultType]::ParameterValue, 'Read mail logs and print the bounce-rate report')
            [CompletionResult]::new('classify', 'classify', [CompletionResultType]::ParameterValue, 'Classify bounce replies: class (hard / soft / block), reason, and the rule that decided')
            [CompletionResult]::new('suppress', 'suppress', [CompletionResultType]::ParameterValue, 'Export the suppression list (analyzing the logs given first)')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'The report computed from the state, without reading logs')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'The timeline of one address: deliveries, outcomes, suppression')
            [CompletionResult]::new('unsuppress', 'unsuppress', [CompletionResultType]::ParameterValue, 'Take addresses off the suppression list (kept in their history)')
            [CompletionResult]::new('filter', 'filter', [CompletionResultType]::ParameterValue, 'Drop suppressed addresses from a CSV send list')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old deliveries, deferrals and signals from the state (never a suppression)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Print the effective settings and where each comes from (default, config file, environment, command line)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bouncectl;analyze' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the report to FILE (atomically) instead of standard output')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the report to FILE (atomically) instead of standard output')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Rows in each breakdown but by reason and by day (0: all)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit with code 3 when the bounce rate reaches this band')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'Bounce rate where the warning band starts (2% or 0.02)')
            [CompletionResult]::new('--crit', '--crit', [CompletionResultType]::ParameterName, 'Bounce rate above which the band is critical (5% or 0.05)')
            [CompletionResult]::new('--min-volume', '--min-volume', [CompletionResultType]::ParameterName, 'Final deliveries a domain or provider needs before its own bounce or block rate can raise a warning or critical alert')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Breakdowns to show, in this order: domain, provider, reason, relay, sender, day, source (repeat the flag or separate with commas) [default: domain,reason,day]')
            [CompletionResult]::new('--sources', '--sources', [CompletionResultType]::ParameterName, 'CSV that maps addresses to the list or import batch they came from (header with an address column, e.g. email, and a source column, e.g. list, source or batch), for --by source')
            [CompletionResult]::new('--inactivity', '--inactivity', [CompletionResultType]::ParameterName, 'Warn when no delivery succeeded for this long before the end of the data (or before now, when the data ends longer ago than that): 6h, 90m, 2d, or off [default: off]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status bands in the table')
            [CompletionResult]::new('--promote-after', '--promote-after', [CompletionResultType]::ParameterName, 'Consecutive soft-bounced deliveries that suppress an address')
            [CompletionResult]::new('--year', '--year', [CompletionResultType]::ParameterName, 'Year of the last syslog line of each input (syslog dates carry none); earlier lines take the year that keeps them in order (December before January). Compressed input and stdin are read through once first to find that line [default: the year of each file''s modification time]')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Classification rules (TOML) that take precedence over the built-in ones')
            [CompletionResult]::new('--input-format', '--input-format', [CompletionResultType]::ParameterName, 'Input format')
            [CompletionResult]::new('--columns', '--columns', [CompletionResultType]::ParameterName, 'Columns of CSV inputs, when their header names are not the usual ones: FIELD=HEADER pairs, fields email, timestamp, code, status, diagnostic, class, message_id (e.g. email=Email,code=Status,diagnostic=Reason)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'This analyzer''s name in the state, to keep the deliveries and input offsets of the MTAs sharing one database apart [default: the machine''s host name]')
            [CompletionResult]::new('--unit', '--unit', [CompletionResultType]::ParameterName, 'A systemd unit whose journal --journal reads (repeatable) [default: postfix.service, postfix@-.service, exim4.service]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait while another run holds the state''s lock')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('--include-local', '--include-local', [CompletionResultType]::ParameterName, 'Count local deliveries (mailboxes, pipes, content-filter hops) in the rates')
            [CompletionResult]::new('--include-notifications', '--include-notifications', [CompletionResultType]::ParameterName, 'Count our own bounce notifications (null sender) in the rates')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop with an error at the first line in no known form, instead of skipping and counting it')
            [CompletionResult]::new('--incremental', '--incremental', [CompletionResultType]::ParameterName, 'Read only what is new since the last --incremental run: each input is remembered by its first bytes and the offset read, through rotation (mail.log → mail.log.1 → mail.log.2.gz) and truncation; deliveries still waiting carry over to the next run')
            [CompletionResult]::new('--no-state', '--no-state', [CompletionResultType]::ParameterName, 'Keep no state: a pure one-shot report (nothing read from or written to the state database)')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Read the journal: run `journalctl -o json` for the --unit units and read what it prints (with FILEs, as one input more). With --incremental, the next run starts after the last record read (journalctl --after-cursor)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;classify' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Classification rules (TOML, the format of the built-in table) tried before the built-in ones; a rule reusing a built-in id replaces it')
            [CompletionResult]::new('--stage', '--stage', [CompletionResultType]::ParameterName, 'The SMTP command the reply answered, when the text does not say (Postfix''s "(in reply to RCPT TO command)" and Exim''s "after RCPT TO:" in the text win). A 5xx to connect, helo or mail is a block; only a failure about the recipient can be hard')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Print the decision path of each text: codes found, stage and where it came from, the table and rule that decided, the words matched, and what the stage changed (with --format json: extra fields)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;suppress' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE (atomically, mode 0600) instead of standard output')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write to FILE (atomically, mode 0600) instead of standard output')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only addresses suppressed since then: 7d, 24h, 2w, or an RFC 3339 date')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'This analyzer''s name in the state, to keep the deliveries and input offsets of the MTAs sharing one database apart [default: the machine''s host name]')
            [CompletionResult]::new('--promote-after', '--promote-after', [CompletionResultType]::ParameterName, 'Consecutive soft-bounced deliveries that suppress an address')
            [CompletionResult]::new('--year', '--year', [CompletionResultType]::ParameterName, 'Year of the last syslog line of each input (earlier lines keep their order across January) [default: from each file''s modification time]')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Classification rules (TOML) that take precedence over the built-in ones')
            [CompletionResult]::new('--input-format', '--input-format', [CompletionResultType]::ParameterName, 'Input format')
            [CompletionResult]::new('--columns', '--columns', [CompletionResultType]::ParameterName, 'Columns of CSV inputs, when their header names are not the usual ones: FIELD=HEADER pairs, fields email, timestamp, code, status, diagnostic, class, message_id (e.g. email=Email,code=Status,diagnostic=Reason)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait while another run holds the state''s lock')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('--include-at-risk', '--include-at-risk', [CompletionResultType]::ParameterName, 'Also list at-risk addresses (soft bounces in a row, not yet suppressed); csv, txt and json only')
            [CompletionResult]::new('--contradicted', '--contradicted', [CompletionResultType]::ParameterName, 'Only the addresses suppressed by a hard bounce that accepted mail afterwards (a delivery stored at a later time, in this run or any earlier one): the bounce was misread or the address came back. csv and json add the bounce''s time (bounced_at) and the first later delivery''s (delivered_at); `bouncectl unsuppress --contradicted` takes them all off the list')
            [CompletionResult]::new('--incremental', '--incremental', [CompletionResultType]::ParameterName, 'Read only what is new in the inputs since the last incremental run')
            [CompletionResult]::new('--no-state', '--no-state', [CompletionResultType]::ParameterName, 'Keep no state: the list of the inputs given only')
            [CompletionResult]::new('--include-local', '--include-local', [CompletionResultType]::ParameterName, 'Count local deliveries in the suppression decisions too')
            [CompletionResult]::new('--include-notifications', '--include-notifications', [CompletionResultType]::ParameterName, 'Count our own bounce notifications (null sender) too')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop with an error at the first line in no known form')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;report' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only deliveries from then on: 7d, 24h, 2w, or an RFC 3339 date')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the report to FILE (atomically) instead of standard output')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the report to FILE (atomically) instead of standard output')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Rows in each breakdown but by reason and by day (0: all)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit with code 3 when the bounce rate reaches this band')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'Bounce rate where the warning band starts (2% or 0.02)')
            [CompletionResult]::new('--crit', '--crit', [CompletionResultType]::ParameterName, 'Bounce rate above which the band is critical (5% or 0.05)')
            [CompletionResult]::new('--min-volume', '--min-volume', [CompletionResultType]::ParameterName, 'Final deliveries a domain or provider needs before its own bounce or block rate can raise a warning or critical alert')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Breakdowns to show, in this order: domain, provider, reason, relay, sender, day, source (repeat the flag or separate with commas) [default: domain,reason,day]')
            [CompletionResult]::new('--sources', '--sources', [CompletionResultType]::ParameterName, 'CSV that maps addresses to the list or import batch they came from (header with an address column, e.g. email, and a source column, e.g. list, source or batch), for --by source')
            [CompletionResult]::new('--inactivity', '--inactivity', [CompletionResultType]::ParameterName, 'Warn when no delivery succeeded for this long before the end of the data (or before now, when the data ends longer ago than that): 6h, 90m, 2d, or off [default: off]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the status bands in the table')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait while another run holds the state''s lock')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('--include-local', '--include-local', [CompletionResultType]::ParameterName, 'Count local deliveries (mailboxes, pipes, content-filter hops) in the rates')
            [CompletionResult]::new('--include-notifications', '--include-notifications', [CompletionResultType]::ParameterName, 'Count our own bounce notifications (null sender) in the rates')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;history' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait while another run holds the state''s lock')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;unsuppress' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (kept in the address''s history)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait while another run holds the state''s lock')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('--contradicted', '--contradicted', [CompletionResultType]::ParameterName, 'Take off every address that `bouncectl suppress --contradicted` lists (suppressed by a hard bounce, delivered to after it), each with a note in its history naming the delivery, the bounce and its rule')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;filter' {
            [CompletionResult]::new('--column', '--column', [CompletionResultType]::ParameterName, 'The column with the addresses: its header name, or its number (1 is the first) [default: found by header name: email, e-mail, email address, mail, address, recipient]')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'Field delimiter [default: the most frequent of , ; and tab in the first line]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the kept rows (atomically, mode 0600) [default: standard output]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where to write the kept rows (atomically, mode 0600) [default: standard output]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait while another run holds the state''s lock')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('--no-header', '--no-header', [CompletionResultType]::ParameterName, 'The list has no header row')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;prune' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Delete what happened longer ago than this before now: 400d, 52w, 9000h')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State database: an SQLite file, or a PostgreSQL database shared by a fleet (postgres://USER@HOST[:PORT]/DATABASE; the password from PGPASSWORD or ~/.pgpass) [default: $XDG_STATE_HOME/bouncectl/state.db, else ~/.local/state/bouncectl/state.db]')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait while another run holds the state''s lock')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only count what would be deleted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;config' {
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;completions' {
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;man' {
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Parser threads [default: the number of CPUs]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Pin the current time (RFC 3339 or Unix seconds), for reproducible runs')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per parse chunk (tests use tiny chunks to exercise the parallel path)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) [default: $XDG_CONFIG_HOME/bouncectl/config.toml, else ~/.config/bouncectl/config.toml, when it exists]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress bar and no warnings on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncectl;help' {
            [CompletionResult]::new('analyze', 'analyze', [CompletionResultType]::ParameterValue, 'Read mail logs and print the bounce-rate report')
            [CompletionResult]::new('classify', 'classify', [CompletionResultType]::ParameterValue, 'Classify bounce replies: class (hard / soft / block), reason, and the rule that decided')
            [CompletionResult]::new('suppress', 'suppress', [CompletionResultType]::ParameterValue, 'Export the suppression list (analyzing the logs given first)')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'The report computed from the state, without reading logs')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'The timeline of one address: deliveries, outcomes, suppression')
            [CompletionResult]::new('unsuppress', 'unsuppress', [CompletionResultType]::ParameterValue, 'Take addresses off the suppression list (kept in their history)')
            [CompletionResult]::new('filter', 'filter', [CompletionResultType]::ParameterValue, 'Drop suppressed addresses from a CSV send list')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old deliveries, deferrals and signals from the state (never a suppression)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Print the effective settings and where each comes from (default, config file, environment, command line)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bouncectl;help;analyze' {
            break
        }
        'bouncectl;help;classify' {
            break
        }
        'bouncectl;help;suppress' {
            break
        }
        'bouncectl;help;report' {
            break
        }
        'bouncectl;help;history' {
            break
        }
        'bouncectl;help;unsuppress' {
            break
        }
        'bouncectl;help;filter' {
            break
        }
        'bouncectl;help;prune' {
            break
        }
        'bouncectl;help;config' {
            break
        }
        'bouncectl;help;completions' {
            break
        }
        'bouncectl;help;man' {
            break
        }
        'bouncectl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
