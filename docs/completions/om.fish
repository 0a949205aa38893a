# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_om_global_optspecs
    string join \n v/verbose q/quiet h/help V/version
end

function __fish_om_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_om_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_om_using_subcommand
    set -l cmd (__fish_om_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c om -n "__fish_om_needs_command" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c om -n "__fish_om_needs_command" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_needs_command" -f -a "run" -d 'Run a command or module across hosts over SSH (ansible PATTERN -m …)'
complete -c om -n "__fish_om_needs_command" -f -a "play" -d 'Run Ansible playbooks and roles (ansible-playbook site.yml …)'
complete -c om -n "__fish_om_needs_command" -f -a "inventory" -d 'Inventories: hosts, groups and variables; which hosts a pattern or target selects'
complete -c om -n "__fish_om_needs_command" -f -a "lab" -d 'A sandbox fleet: real OpenSSH hosts on loopback addresses and network namespaces'
complete -c om -n "__fish_om_needs_command" -f -a "ip" -d 'IPv4/IPv6 calculator with IPy\'s behaviour (info, contains, overlaps, list, convert, show)'
complete -c om -n "__fish_om_needs_command" -f -a "dns" -d 'DNS queries (dig/nslookup for scripts) and the round-robin health check'
complete -c om -n "__fish_om_needs_command" -f -a "http" -d 'HTTP probe with libcurl\'s phase timings'
complete -c om -n "__fish_om_needs_command" -f -a "probe" -d 'TCP connect and ICMP echo probes'
complete -c om -n "__fish_om_needs_command" -f -a "scan" -d 'Port scan with nmap\'s target/port syntax, normal/XML/book output and baselines'
complete -c om -n "__fish_om_needs_command" -f -a "trace" -d 'TCP SYN / ICMP traceroute with a hop table and DOT/SVG route graphs'
complete -c om -n "__fish_om_needs_command" -f -a "serve" -d 'Start the web platform: UI, REST API, job runners, SQLite in a data directory'
complete -c om -n "__fish_om_needs_command" -f -a "admin" -d 'Administer the platform\'s database: users, audit-log verification, retention'
complete -c om -n "__fish_om_needs_command" -f -a "jobs" -d 'The platform\'s job history: list, show, cancel'
complete -c om -n "__fish_om_needs_command" -f -a "action" -d 'The platform\'s actions: list, run on servers and follow the output'
complete -c om -n "__fish_om_needs_command" -f -a "worker" -d 'Run the platform\'s jobs on this machine, for one zone'
complete -c om -n "__fish_om_needs_command" -f -a "facts" -d 'This machine\'s facts: CPU, memory, disks, network, users, boot time (psutil\'s names)'
complete -c om -n "__fish_om_needs_command" -f -a "proc" -d 'Processes on this machine: list, show, kill, CPU affinity, spawn'
complete -c om -n "__fish_om_needs_command" -f -a "completions" -d 'Print a shell completion script: `om completions bash > /etc/bash_completion.d/om`'
complete -c om -n "__fish_om_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand run" -s i -l inventory -d 'Inventory source: a file, a directory, a script, a comma-separated host list (`h1,h2,`), or an om platform (`om+https://om.example:8443`, token in OM_TOKEN); repeatable. Default: ANSIBLE_INVENTORY, then /etc/ansible/hosts' -r
complete -c om -n "__fish_om_using_subcommand run" -s m -l module-name -d 'The module to run (default `command`); repeat with -a for several tasks' -r
complete -c om -n "__fish_om_using_subcommand run" -s a -l args -d 'The module\'s arguments: free text for command/shell/raw/script, key=value or JSON otherwise' -r
complete -c om -n "__fish_om_using_subcommand run" -s f -l forks -d 'Hosts in flight at once' -r
complete -c om -n "__fish_om_using_subcommand run" -s l -l limit -d 'Further limit the hosts with another pattern' -r
complete -c om -n "__fish_om_using_subcommand run" -s e -l extra-vars -d 'Extra variables: key=value, a JSON object, or @file.json; they beat inventory variables' -r
complete -c om -n "__fish_om_using_subcommand run" -s u -l user -d 'The remote user when the inventory does not name one' -r
complete -c om -n "__fish_om_using_subcommand run" -l private-key -l key-file -d 'Private key file; repeatable' -r -F
complete -c om -n "__fish_om_using_subcommand run" -s c -l connection -d 'Connection type for hosts that do not set ansible_connection: ssh or local' -r
complete -c om -n "__fish_om_using_subcommand run" -s T -l timeout -d 'Connection timeout in seconds (TCP connect and SSH handshake)' -r
complete -c om -n "__fish_om_using_subcommand run" -l task-timeout -d 'Stop a task that runs longer than this many seconds (it fails with phase `timeout`)' -r
complete -c om -n "__fish_om_using_subcommand run" -s J -l jump -d 'Jump hosts for every target: `[user@]host[:port][,…]`' -r
complete -c om -n "__fish_om_using_subcommand run" -l ssh-common-args -d 'Extra ssh options for every host (`-o Key=Value`, `-J …`), as ansible\'s ssh_common_args' -r
complete -c om -n "__fish_om_using_subcommand run" -l ssh-extra-args -r
complete -c om -n "__fish_om_using_subcommand run" -l ssh-config -d 'An ssh config file instead of ~/.ssh/config' -r -F
complete -c om -n "__fish_om_using_subcommand run" -l host-key-checking -d 'Host key checking: yes, accept-new, no or ask (default: ask on a terminal, yes otherwise)' -r
complete -c om -n "__fish_om_using_subcommand run" -l become-user -d 'The user to become (root)' -r
complete -c om -n "__fish_om_using_subcommand run" -l become-method -d 'The become method: sudo or su' -r -f -a "sudo\t''
su\t''"
complete -c om -n "__fish_om_using_subcommand run" -s B -l background -d 'Run in the background, giving up after this many seconds' -r
complete -c om -n "__fish_om_using_subcommand run" -s P -l poll -d 'Poll a background job every this many seconds; 0 returns its job id at once' -r
complete -c om -n "__fish_om_using_subcommand run" -l status -d 'Report a background job started with -B … -P 0' -r
complete -c om -n "__fish_om_using_subcommand run" -s t -l tree -d 'Also write each host\'s result as JSON to DIR/<host>' -r -F
complete -c om -n "__fish_om_using_subcommand run" -s U -l sudo-user -d 'Removed in ansible: use --become-user' -r
complete -c om -n "__fish_om_using_subcommand run" -l list-hosts -d 'Print the hosts the pattern selects and stop'
complete -c om -n "__fish_om_using_subcommand run" -s k -l ask-pass -d 'Ask for the SSH password (also tried as a key passphrase)'
complete -c om -n "__fish_om_using_subcommand run" -s b -l become -d 'Run as another user (sudo, or su with --become-method su)'
complete -c om -n "__fish_om_using_subcommand run" -s K -l ask-become-pass -d 'Ask for the become password: sudo wants the login user\'s, su the target user\'s'
complete -c om -n "__fish_om_using_subcommand run" -s C -l check -d 'Change nothing; report what would change'
complete -c om -n "__fish_om_using_subcommand run" -s D -l diff -d 'Show differences (for modules that report them)'
complete -c om -n "__fish_om_using_subcommand run" -s o -l one-line -d 'One line per host'
complete -c om -n "__fish_om_using_subcommand run" -l json -d 'Print {"contacted": {…}, "dark": {…}} (the Runner API\'s shape) instead of text'
complete -c om -n "__fish_om_using_subcommand run" -l events -d 'Stream JSON lines of events (run, task, output chunk, result, recap); see docs/events.md'
complete -c om -n "__fish_om_using_subcommand run" -l sudo -d 'Removed in ansible: use -b'
complete -c om -n "__fish_om_using_subcommand run" -l ask-sudo-pass -d 'Removed in ansible: use -K'
complete -c om -n "__fish_om_using_subcommand run" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand run" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c om -n "__fish_om_using_subcommand run" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand play" -s i -l inventory -d 'Inventory source: a file, a directory, a script, a comma-separated host list, or an om platform (`om+https://om.example:8443`, token in OM_TOKEN); repeatable' -r
complete -c om -n "__fish_om_using_subcommand play" -s l -l limit -d 'Further limit the hosts with another pattern' -r
complete -c om -n "__fish_om_using_subcommand play" -s t -l tags -d 'Only run plays and tasks tagged with these tags (comma-separated, repeatable)' -r
complete -c om -n "__fish_om_using_subcommand play" -l skip-tags -d 'Skip plays and tasks tagged with these tags' -r
complete -c om -n "__fish_om_using_subcommand play" -s e -l extra-vars -d 'Extra variables: key=value, YAML/JSON, or @file; they beat every other variable' -r
complete -c om -n "__fish_om_using_subcommand play" -s f -l forks -d 'Hosts in flight at once' -r
complete -c om -n "__fish_om_using_subcommand play" -l start-at-task -d 'Start at the task with this name' -r
complete -c om -n "__fish_om_using_subcommand play" -l vault-password-file -d 'A file holding the vault password' -r -F
complete -c om -n "__fish_om_using_subcommand play" -s u -l user -d 'The remote user when neither the inventory nor the play names one' -r
complete -c om -n "__fish_om_using_subcommand play" -l private-key -l key-file -d 'Private key file; repeatable' -r -F
complete -c om -n "__fish_om_using_subcommand play" -s c -l connection -d 'Connection type for hosts that do not set ansible_connection: ssh or local' -r
complete -c om -n "__fish_om_using_subcommand play" -s T -l timeout -d 'Connection timeout in seconds' -r
complete -c om -n "__fish_om_using_subcommand play" -l ssh-config -d 'An ssh config file instead of ~/.ssh/config' -r -F
complete -c om -n "__fish_om_using_subcommand play" -l host-key-checking -d 'Host key checking: yes, accept-new, no or ask' -r
complete -c om -n "__fish_om_using_subcommand play" -l become-user -d 'The user to become (root)' -r
complete -c om -n "__fish_om_using_subcommand play" -s C -l check -d 'Change nothing; report what would change'
complete -c om -n "__fish_om_using_subcommand play" -s D -l diff -d 'Show differences (for modules that report them)'
complete -c om -n "__fish_om_using_subcommand play" -l force-handlers -d 'Run handlers even on hosts that failed'
complete -c om -n "__fish_om_using_subcommand play" -l step -d 'Ask before each task: (N)o/(y)es/(c)ontinue, read from the terminal'
complete -c om -n "__fish_om_using_subcommand play" -l list-tasks -d 'Print the tasks each play would run and stop'
complete -c om -n "__fish_om_using_subcommand play" -l list-hosts -d 'Print the hosts each play would run on and stop'
complete -c om -n "__fish_om_using_subcommand play" -l list-tags -d 'Print the tags in use and stop'
complete -c om -n "__fish_om_using_subcommand play" -l syntax-check -d 'Check the playbook\'s syntax and stop'
complete -c om -n "__fish_om_using_subcommand play" -l rewrite -d 'Print the playbooks with Ansible 1.x constructs (sudo, bare include, `x|failed`…) rewritten into their modern form, and stop; the changes go to stderr'
complete -c om -n "__fish_om_using_subcommand play" -s b -l become -d 'Run as another user (sudo)'
complete -c om -n "__fish_om_using_subcommand play" -s K -l ask-become-pass -d 'Ask for the sudo password'
complete -c om -n "__fish_om_using_subcommand play" -l json -d 'Stream JSON lines of events instead of text'
complete -c om -n "__fish_om_using_subcommand play" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand play" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand play" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand play" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand inventory" -s i -l inventory -d 'An inventory source: a file, a directory, a comma list `h1,h2,`, or an om platform `om+https://HOST:PORT` (token in OM_TOKEN); repeat to merge sources in order. Default: $ANSIBLE_INVENTORY, else `inventory` in ansible.cfg ($ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg), else /etc/ansible/hosts' -r
complete -c om -n "__fish_om_using_subcommand inventory" -l host -d 'Print one host\'s variables' -r
complete -c om -n "__fish_om_using_subcommand inventory" -l export -d 'Write the inventory as an INI or YAML inventory file that loads back the same' -r -f -a "ini\t''
yaml\t''"
complete -c om -n "__fish_om_using_subcommand inventory" -l import-omanager -d 'Convert OManager\'s ServerOptioninfo.xml (categories) and Serverinfo.xml (servers) into the category → application → server YAML inventory' -r -F
complete -c om -n "__fish_om_using_subcommand inventory" -l field-order -d 'With --import-omanager: the order of a server\'s unnamed child elements, e.g. `hostname,external_ip,internal_ip,os,application,location,category_id` (the default)' -r
complete -c om -n "__fish_om_using_subcommand inventory" -s l -l limit -d 'Restrict to the hosts this pattern selects (`@file` reads names from a file)' -r
complete -c om -n "__fish_om_using_subcommand inventory" -l tgt-type -d 'How PATTERN is read: Ansible patterns (default) or one of Salt\'s target types' -r -f -a "ansible\t'Ansible patterns: `web:&prod:!web3`'
glob\t'A shell glob over host names'
pcre\t'A regex anchored at the start (-E)'
list\t'Host names separated by commas (-L)'
grain\t'`key:glob` over cached grains, case-insensitive (-G)'
grain-pcre\t'`key:regex` over cached grains (-P)'
ipcidr\t'A CIDR network or an IP address (-S)'
nodegroup\t'A nodegroup name (-N)'
compound\t'`and`/`or`/`not` over prefixed targets: `G@os:centos and E@^web` (-C)'
category\t'`<function category>[/<application>]` of the asset hierarchy'
func\t'Func\'s globs joined by `;`, `@group` for an inventory group'"
complete -c om -n "__fish_om_using_subcommand inventory" -l fact-cache -d 'The fact cache (Ansible\'s jsonfile layout: one JSON file per host) holding grains for `G@`; `om run -m setup` fills the same directory when OM_FACT_CACHE is set' -r -F
complete -c om -n "__fish_om_using_subcommand inventory" -l nodegroups -d 'A YAML file with `nodegroups: {name: \'compound target\', ...}` for N@ and --tgt-type nodegroup' -r -F
complete -c om -n "__fish_om_using_subcommand inventory" -l playbook-dir -d 'Also read group_vars/ and host_vars/ beside this playbook directory' -r -F
complete -c om -n "__fish_om_using_subcommand inventory" -l list -d 'Print every group, host and host variable as ansible-inventory --list does (JSON)'
complete -c om -n "__fish_om_using_subcommand inventory" -l graph -d 'Draw the group tree from `all` (or from the group given as PATTERN)'
complete -c om -n "__fish_om_using_subcommand inventory" -l list-hosts -d 'Print the hosts PATTERN selects, one per line, in ansible-core\'s order'
complete -c om -n "__fish_om_using_subcommand inventory" -l dry-run -d 'With --import-omanager: print the field mapping and the resulting tree instead'
complete -c om -n "__fish_om_using_subcommand inventory" -l yaml -d 'With --list: YAML instead of JSON'
complete -c om -n "__fish_om_using_subcommand inventory" -l vars -d 'With --graph: show variables too'
complete -c om -n "__fish_om_using_subcommand inventory" -l strict -d 'Fail when a source cannot be parsed (ansible-core warns and goes on without it)'
complete -c om -n "__fish_om_using_subcommand inventory" -l json -d 'With --list-hosts: print a JSON array'
complete -c om -n "__fish_om_using_subcommand inventory" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand inventory" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand inventory" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c om -n "__fish_om_using_subcommand inventory" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -l dir -d 'The lab\'s directory: keys, sshd_config, inventory.ini, ssh_config, known_hosts, state' -r -F
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -f -a "up" -d 'Start N SSH hosts h1…hN served by the real sshd, one loopback address each'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -f -a "status" -d 'Show whether the lab runs, its hosts, and connections served per host'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -f -a "down" -d 'Stop the lab: every sshd it started, its namespaces and veth pairs'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -f -a "kill" -d 'Cut a host off: connections are refused (loopback) or the link goes down (netns)'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -f -a "revive" -d 'Bring a killed host back'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -f -a "netem" -d 'Delay and lose traffic to a host, for fault tests'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -f -a "supervise" -d 'Run a lab\'s supervisor in the foreground (started by `om lab up`)'
complete -c om -n "__fish_om_using_subcommand lab; and not __fish_seen_subcommand_from up status down kill revive netem supervise help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -l hosts -d 'How many hosts' -r
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -l base -d 'Address of h1; h2… take the next addresses' -r
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -l port -d 'The port every host answers on' -r
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -l user -d 'The user to log in as (default: you)' -r
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -l netns -d 'Put the last K hosts in their own network namespaces, joined by veth pairs, so that `om lab netem` and `om lab kill` act on a real link (needs root)' -r
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -l dir -d 'The lab\'s directory: keys, sshd_config, inventory.ini, ssh_config, known_hosts, state' -r -F
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -l json -d 'Print the lab\'s state as JSON'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from up" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from status" -l dir -d 'The lab\'s directory: keys, sshd_config, inventory.ini, ssh_config, known_hosts, state' -r -F
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from status" -l json
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from down" -l dir -d 'The lab\'s directory: keys, sshd_config, inventory.ini, ssh_config, known_hosts, state' -r -F
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from down" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from down" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from down" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from kill" -l dir -d 'The lab\'s directory: keys, sshd_config, inventory.ini, ssh_config, known_hosts, state' -r -F
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from kill" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from kill" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from kill" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from revive" -l dir -d 'The lab\'s directory: keys, sshd_config, inventory.ini, ssh_config, known_hosts, state' -r -F
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from revive" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from revive" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from revive" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from revive" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from netem" -l delay -d 'Added delay, e.g. 80ms' -r
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from netem" -l jitter -d 'Jitter on the delay, e.g. 10ms' -r
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from netem" -l loss -d 'Loss, e.g. 5%' -r
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from netem" -l dir -d 'The lab\'s directory: keys, sshd_config, inventory.ini, ssh_config, known_hosts, state' -r -F
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from netem" -l clear -d 'Remove delay and loss'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from netem" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from netem" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from netem" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from netem" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from supervise" -l dir -d 'The lab\'s directory: keys, sshd_config, inventory.ini, ssh_config, known_hosts, state' -r -F
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from supervise" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from supervise" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from supervise" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from supervise" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "up" -d 'Start N SSH hosts h1…hN served by the real sshd, one loopback address each'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show whether the lab runs, its hosts, and connections served per host'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "down" -d 'Stop the lab: every sshd it started, its namespaces and veth pairs'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "kill" -d 'Cut a host off: connections are refused (loopback) or the link goes down (netns)'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "revive" -d 'Bring a killed host back'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "netem" -d 'Delay and lose traffic to a host, for fault tests'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "supervise" -d 'Run a lab\'s supervisor in the foreground (started by `om lab up`)'
complete -c om -n "__fish_om_using_subcommand lab; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -f -a "info" -d 'The book\'s ipcalc-style summary: net, netmask, broadcast, reverse address, address count ("subnet"), hexadecimal, binary and IPy\'s type'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -f -a "contains" -d 'Whether NET contains the address or network (exit 0 yes, 1 no)'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -f -a "overlaps" -d 'IPy\'s overlaps(A, B): 1 when B starts inside A, -1 when A starts inside B, 0 otherwise (exit 0 on overlap, 1 otherwise)'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -f -a "list" -d 'Every address of a network, network and broadcast included'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -f -a "convert" -d 'An address as a decimal integer, unpadded `0x` hex, or zero-padded binary'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -f -a "split" -d 'The subnets of a network with a longer prefix: `om ip split 10.0.0.0/24 --prefix 26`'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -f -a "summarize" -d 'The fewest CIDR blocks covering the given networks and ranges (aggregation; any range `first-last` becomes its minimal CIDR list)'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -f -a "show" -d 'A network as IPy\'s strNormal(mode): 0 address, 1 /prefix, 2 /netmask, 3 first-last. With no mode the prefix is shown only for networks'
complete -c om -n "__fish_om_using_subcommand ip; and not __fish_seen_subcommand_from info contains overlaps list convert split summarize show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from info" -l interactive -d 'Prompt for one address as the book\'s script did'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from info" -l make-net -d 'Mask host bits off (IPy\'s make_net=True) instead of rejecting `192.168.1.20/24`'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from info" -l v6 -d 'Read integers that fit in 32 bits as IPv6 addresses'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from info" -l json -d 'Print one JSON document instead of text'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from info" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from info" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from info" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from contains" -l make-net -d 'Mask host bits off (IPy\'s make_net=True) instead of rejecting `192.168.1.20/24`'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from contains" -l v6 -d 'Read integers that fit in 32 bits as IPv6 addresses'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from contains" -l json -d 'Print one JSON document instead of text'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from contains" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from contains" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from contains" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from contains" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from overlaps" -l make-net -d 'Mask host bits off (IPy\'s make_net=True) instead of rejecting `192.168.1.20/24`'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from overlaps" -l v6 -d 'Read integers that fit in 32 bits as IPv6 addresses'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from overlaps" -l json -d 'Print one JSON document instead of text'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from overlaps" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from overlaps" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from overlaps" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from overlaps" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from list" -l limit -d 'Stop after this many addresses' -r
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from list" -l make-net -d 'Mask host bits off (IPy\'s make_net=True) instead of rejecting `192.168.1.20/24`'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from list" -l v6 -d 'Read integers that fit in 32 bits as IPv6 addresses'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document instead of text'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from convert" -l to -r -f -a "int\t''
hex\t''
bin\t''"
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from convert" -l make-net -d 'Mask host bits off (IPy\'s make_net=True) instead of rejecting `192.168.1.20/24`'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from convert" -l v6 -d 'Read integers that fit in 32 bits as IPv6 addresses'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from convert" -l json -d 'Print one JSON document instead of text'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from convert" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from convert" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from convert" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from convert" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from split" -l prefix -r
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from split" -l make-net -d 'Mask host bits off (IPy\'s make_net=True) instead of rejecting `192.168.1.20/24`'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from split" -l v6 -d 'Read integers that fit in 32 bits as IPv6 addresses'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from split" -l json -d 'Print one JSON document instead of text'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from split" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from split" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from split" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from split" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from summarize" -l make-net -d 'Mask host bits off (IPy\'s make_net=True) instead of rejecting `192.168.1.20/24`'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from summarize" -l v6 -d 'Read integers that fit in 32 bits as IPv6 addresses'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from summarize" -l json -d 'Print one JSON document instead of text'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from summarize" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from summarize" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from summarize" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from summarize" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from show" -l mode -r
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from show" -l make-net -d 'Mask host bits off (IPy\'s make_net=True) instead of rejecting `192.168.1.20/24`'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from show" -l v6 -d 'Read integers that fit in 32 bits as IPv6 addresses'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document instead of text'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "info" -d 'The book\'s ipcalc-style summary: net, netmask, broadcast, reverse address, address count ("subnet"), hexadecimal, binary and IPy\'s type'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "contains" -d 'Whether NET contains the address or network (exit 0 yes, 1 no)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "overlaps" -d 'IPy\'s overlaps(A, B): 1 when B starts inside A, -1 when A starts inside B, 0 otherwise (exit 0 on overlap, 1 otherwise)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every address of a network, network and broadcast included'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "convert" -d 'An address as a decimal integer, unpadded `0x` hex, or zero-padded binary'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "split" -d 'The subnets of a network with a longer prefix: `om ip split 10.0.0.0/24 --prefix 26`'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "summarize" -d 'The fewest CIDR blocks covering the given networks and ranges (aggregation; any range `first-last` becomes its minimal CIDR list)'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "show" -d 'A network as IPy\'s strNormal(mode): 0 address, 1 /prefix, 2 /netmask, 3 first-last. With no mode the prefix is shown only for networks'
complete -c om -n "__fish_om_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand dns; and not __fish_seen_subcommand_from query rr-check help" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand dns; and not __fish_seen_subcommand_from query rr-check help" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand dns; and not __fish_seen_subcommand_from query rr-check help" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand dns; and not __fish_seen_subcommand_from query rr-check help" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand dns; and not __fish_seen_subcommand_from query rr-check help" -f -a "query" -d 'Ask for one record type. Exit 0 answered, 1 NXDOMAIN or no records, 2 SERVFAIL, REFUSED, timeout or usage'
complete -c om -n "__fish_om_using_subcommand dns; and not __fish_seen_subcommand_from query rr-check help" -f -a "rr-check" -d 'Resolve a name uncached and probe every address concurrently over HTTP(S) with the Host header and SNI pinned. Exit 0 ok, 1 degraded or down, 2 DNS error; --nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN'
complete -c om -n "__fish_om_using_subcommand dns; and not __fish_seen_subcommand_from query rr-check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -s t -l type -d 'A, AAAA, MX, NS, CNAME, PTR, SOA, TXT or SRV' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l class -d 'IN, CH or HS' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l server -d 'Servers to ask, in order (IP[:PORT]); default: /etc/resolv.conf' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l source -d 'Bind the query socket to this address' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l source-port -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l timeout -d 'Per try, seconds' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l lifetime -d 'For the whole query, seconds' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l tcp -d 'Ask over TCP'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l allow-empty -d 'An empty answer is fine: no output, exit 0'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l zone -d 'With NS for a name below a zone apex: print the enclosing zone\'s NS set'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l full -d 'dig-style `name ttl class type rdata` lines for the whole answer section'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -l json
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from query" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l scheme -r -f -a "http\t''
https\t''"
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l port -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l path -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l timeout -d 'Seconds per address' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l expect-status -d 'Healthy status codes, e.g. 200-399 or 200' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l expect-prefix -d 'The body must start with this text (case-sensitive)' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l expect-body -d 'The body must match this regular expression' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l family -d '4, 6 or all' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l server -d 'DNS server to resolve with (IP[:PORT]); default: the system resolver' -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l concurrency -r
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l cacert -d 'Trust these CA certificates (PEM) instead of the system\'s' -r -F
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l book -d 'The book\'s exact check: port 80, path /, 5 s, body starts with `<!doctype html>`'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l nagios -d 'Nagios plugin exit codes'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l reasons -d 'Append the reason to each [Error] line (also with om\'s global -v)'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -l json
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from rr-check" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from help" -f -a "query" -d 'Ask for one record type. Exit 0 answered, 1 NXDOMAIN or no records, 2 SERVFAIL, REFUSED, timeout or usage'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from help" -f -a "rr-check" -d 'Resolve a name uncached and probe every address concurrently over HTTP(S) with the Host header and SNI pinned. Exit 0 ok, 1 degraded or down, 2 DNS error; --nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN'
complete -c om -n "__fish_om_using_subcommand dns; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand http; and not __fish_seen_subcommand_from probe help" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand http; and not __fish_seen_subcommand_from probe help" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand http; and not __fish_seen_subcommand_from probe help" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand http; and not __fish_seen_subcommand_from probe help" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand http; and not __fish_seen_subcommand_from probe help" -f -a "probe" -d 'Probe URLs like the book\'s pycurl script: status, DNS/connect/TLS/first-byte/total times, sizes and speed. Exit 0 all fine, 1 a failure or failed check, 2 usage'
complete -c om -n "__fish_om_using_subcommand http; and not __fish_seen_subcommand_from probe help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l connect-timeout -d 'CONNECTTIMEOUT: seconds for lookup + TCP + TLS (0 = 300)' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l timeout -d 'TIMEOUT: seconds for the whole transfer (0 = none)' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l max-redirs -d 'MAXREDIRS (-1 = unlimited); only with --follow' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l dns-cache-timeout -d 'DNS_CACHE_TIMEOUT in seconds across --count repeats (0 = none, -1 = forever)' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l user-agent -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -s o -l output -d 'WRITEDATA: write the body here (the same path as -D gives the book\'s content.txt)' -r -F
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -s D -l dump-header -d 'WRITEHEADER: write the headers here' -r -F
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l resolve -d 'curl\'s --resolve HOST:PORT:ADDR' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l dns-server -d 'A DNS server to resolve with (IP[:PORT])' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l cacert -d 'Trust these CA certificates (PEM)' -r -F
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l expect-status -d 'Healthy status codes' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l expect-body -d 'The body must match this regular expression' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -s H -l header -d 'Extra header lines `Name: value`' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l count -d 'Probes per URL' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l concurrency -d 'URLs probed at once in each round' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l interval -d 'Seconds between repeats' -r
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l lang -d 'en or zh (the book\'s labels)' -r -f -a "en\t''
zh\t''"
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l follow -d 'FOLLOWLOCATION'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l forbid-reuse -d 'FORBID_REUSE is on by default: each connection is closed after its transfer'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l reuse -d 'Keep connections alive between --count repeats and redirects (FORBID_REUSE off); a reused connection reports DNS and connect times as 0, like curl'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l fresh-connect -d 'FRESH_CONNECT'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l insecure -d 'Accept any certificate (explicit and warned)'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l json
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -l jsonl -d 'One JSON object per probe'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from probe" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from help" -f -a "probe" -d 'Probe URLs like the book\'s pycurl script: status, DNS/connect/TLS/first-byte/total times, sizes and speed. Exit 0 all fine, 1 a failure or failed check, 2 usage'
complete -c om -n "__fish_om_using_subcommand http; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand probe; and not __fish_seen_subcommand_from tcp icmp help" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand probe; and not __fish_seen_subcommand_from tcp icmp help" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand probe; and not __fish_seen_subcommand_from tcp icmp help" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand probe; and not __fish_seen_subcommand_from tcp icmp help" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand probe; and not __fish_seen_subcommand_from tcp icmp help" -f -a "tcp" -d 'Connect to HOST:PORT and time lookup and connect. Exit 0 connected, 1 not'
complete -c om -n "__fish_om_using_subcommand probe; and not __fish_seen_subcommand_from tcp icmp help" -f -a "icmp" -d 'ICMP echo (needs CAP_NET_RAW or ping_group_range). Exit 0 answered, 1 not'
complete -c om -n "__fish_om_using_subcommand probe; and not __fish_seen_subcommand_from tcp icmp help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from tcp" -l timeout -r
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from tcp" -l json
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from tcp" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from tcp" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from tcp" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from tcp" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from icmp" -l count -r
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from icmp" -l timeout -r
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from icmp" -l json
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from icmp" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from icmp" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from icmp" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from icmp" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from help" -f -a "tcp" -d 'Connect to HOST:PORT and time lookup and connect. Exit 0 connected, 1 not'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from help" -f -a "icmp" -d 'ICMP echo (needs CAP_NET_RAW or ping_group_range). Exit 0 answered, 1 not'
complete -c om -n "__fish_om_using_subcommand probe; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand scan" -s p -l ports -d 'Ports: 22,80,443 / 1-1024 / 8000- / -1024 / `-` for all (`-p-`)' -r
complete -c om -n "__fish_om_using_subcommand scan" -l iL -d 'Read targets from a file, one or more per line (`-` = stdin)' -r -F
complete -c om -n "__fish_om_using_subcommand scan" -l exclude -d 'Targets to leave out (same syntax, comma separated)' -r
complete -c om -n "__fish_om_using_subcommand scan" -l PS -d 'Discovery by TCP to these ports (default 80,443)' -r
complete -c om -n "__fish_om_using_subcommand scan" -s T -d 'Timing template 0-5 (nmap\'s -T0 … -T5; 3 is the default)' -r
complete -c om -n "__fish_om_using_subcommand scan" -l max-rate -d 'At most this many probes per second, across the whole scan' -r
complete -c om -n "__fish_om_using_subcommand scan" -l min-rate -d 'At least this many probes per second: a connect scan behind it sends past --max-parallelism and the template\'s scan delay (nmap\'s --min-rate)' -r
complete -c om -n "__fish_om_using_subcommand scan" -l max-parallelism -d 'At most this many probes in flight' -r
complete -c om -n "__fish_om_using_subcommand scan" -l max-retries -d 'Resends of an unanswered probe' -r
complete -c om -n "__fish_om_using_subcommand scan" -l host-timeout -d 'Give up on a host after this many seconds of scanning (its ports are not reported)' -r
complete -c om -n "__fish_om_using_subcommand scan" -l dns-server -d 'A DNS server for names and PTR lookups (IP[:PORT]); default: the system resolver' -r
complete -c om -n "__fish_om_using_subcommand scan" -l format -d 'Output: normal (nmap\'s), book (the book\'s python-nmap loop), json' -r -f -a "normal\t''
book\t''
json\t''"
complete -c om -n "__fish_om_using_subcommand scan" -l oN -d 'Also write nmap\'s normal output to FILE' -r -F
complete -c om -n "__fish_om_using_subcommand scan" -l oX -d 'Write XML nmap\'s tooling reads to FILE (`-` = stdout)' -r -F
complete -c om -n "__fish_om_using_subcommand scan" -l baseline -d 'Allowed and denied open ports (TOML); deviations exit 1' -r -F
complete -c om -n "__fish_om_using_subcommand scan" -l state -d 'Open ports of the last run (JSON), read then rewritten: reports what opened or closed' -r -F
complete -c om -n "__fish_om_using_subcommand scan" -l sT -d 'TCP connect scan (the default without CAP_NET_RAW)'
complete -c om -n "__fish_om_using_subcommand scan" -l sS -d 'SYN scan with raw sockets (the default as root or with CAP_NET_RAW)'
complete -c om -n "__fish_om_using_subcommand scan" -l sn -d 'Host discovery only: no port scan'
complete -c om -n "__fish_om_using_subcommand scan" -l Pn -d 'Treat every host as up (no discovery)'
complete -c om -n "__fish_om_using_subcommand scan" -l PE -d 'Discovery by ICMP echo'
complete -c om -n "__fish_om_using_subcommand scan" -s n -d 'Never look host names up'
complete -c om -n "__fish_om_using_subcommand scan" -l json -d 'Print one JSON document (same as --format json)'
complete -c om -n "__fish_om_using_subcommand scan" -l jsonl -d 'One JSON object per host (a stream), then one with the run\'s summary'
complete -c om -n "__fish_om_using_subcommand scan" -l interactive -d 'Prompt for "hosts ports" as the book\'s script did'
complete -c om -n "__fish_om_using_subcommand scan" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand scan" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand scan" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand scan" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand trace" -s p -l ports -d 'Destination ports (tcp)' -r
complete -c om -n "__fish_om_using_subcommand trace" -l proto -d 'tcp (SYN), udp (to a closed port, e.g. -p 33434) or icmp (echo)' -r -f -a "tcp\t''
udp\t''
icmp\t''"
complete -c om -n "__fish_om_using_subcommand trace" -l min-ttl -r
complete -c om -n "__fish_om_using_subcommand trace" -l max-ttl -r
complete -c om -n "__fish_om_using_subcommand trace" -l timeout -d 'Seconds to wait for answers after each round' -r
complete -c om -n "__fish_om_using_subcommand trace" -l retry -d 'N > 0 resend unanswered probes N times; N < 0 until |N| rounds bring nothing new' -r
complete -c om -n "__fish_om_using_subcommand trace" -l sport -d 'Base source port (flow i uses N + i)' -r
complete -c om -n "__fish_om_using_subcommand trace" -l rate -d 'Probes per second' -r
complete -c om -n "__fish_om_using_subcommand trace" -l graph -d 'Write the route graph: .dot (Graphviz) or .svg (drawn by om)' -r -F
complete -c om -n "__fish_om_using_subcommand trace" -l asn-db -d 'Offline ASN table (TSV: first_ip last_ip asn owner) for clusters in the graph' -r -F
complete -c om -n "__fish_om_using_subcommand trace" -l dns-server -d 'DNS server for the target names (IP[:PORT])' -r
complete -c om -n "__fish_om_using_subcommand trace" -l interactive -d 'Prompt for targets as the book\'s script did'
complete -c om -n "__fish_om_using_subcommand trace" -l json
complete -c om -n "__fish_om_using_subcommand trace" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand trace" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand trace" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand trace" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand serve" -l config -d 'The configuration file (TOML; unknown keys are errors) [default: /etc/om/om.toml when it exists]' -r -F
complete -c om -n "__fish_om_using_subcommand serve" -l data -d 'The data directory: SQLite database, action files, repository files, keys' -r -F
complete -c om -n "__fish_om_using_subcommand serve" -l listen -d 'The address to listen on (default 127.0.0.1:8080)' -r
complete -c om -n "__fish_om_using_subcommand serve" -l workers -d 'In-process job runners; 0 leaves every job to `om worker` processes' -r
complete -c om -n "__fish_om_using_subcommand serve" -l no-migrate -d 'Do not apply database migrations at start'
complete -c om -n "__fish_om_using_subcommand serve" -l no-examples -d 'Do not install the example actions on first start'
complete -c om -n "__fish_om_using_subcommand serve" -l demo -d 'Add a demo inventory on first start: three lab hosts on loopback when sshd is available (the lab lives as long as `om serve`), else this machine'
complete -c om -n "__fish_om_using_subcommand serve" -l json -d 'Print the start-up report as JSON'
complete -c om -n "__fish_om_using_subcommand serve" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand serve" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand serve" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand serve" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -l config -d 'The configuration file (TOML; unknown keys are errors) [default: /etc/om/om.toml when it exists]' -r -F
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -l data -d 'The data directory: SQLite database, action files, repository files, keys' -r -F
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -f -a "create-user" -d 'Create a user with a role; the password is read from stdin or generated and printed'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -f -a "reset-password" -d 'Set a new password for a user (generated and printed unless --password-stdin); the user must change it at the next sign-in'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -f -a "create-token" -d 'Create an API token for a user and print it once (for scripts and CI)'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -f -a "verify-audit-log" -d 'Check the audit log\'s hash chain; names the first broken seq'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -f -a "retention" -d 'Prune old job events, outputs and jobs by the [retention] policy'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -f -a "migrate" -d 'Apply pending database migrations and print the schema version'
complete -c om -n "__fish_om_using_subcommand admin; and not __fish_seen_subcommand_from create-user reset-password create-token verify-audit-log retention migrate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-user" -l role -d 'admin, operator, viewer or auditor' -r
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-user" -l scope -d 'Where the role holds: global, fun:<id> or app:<id>' -r
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-user" -l password-stdin -d 'Read the password from standard input instead of generating one'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-user" -l json
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-user" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-user" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-user" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-user" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from reset-password" -l password-stdin
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from reset-password" -l json
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from reset-password" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from reset-password" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from reset-password" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from reset-password" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-token" -l name -r
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-token" -l scope -d 'read, run or admin' -r
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-token" -l json
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-token" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-token" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from create-token" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from verify-audit-log" -l from -r
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from verify-audit-log" -l to -r
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from verify-audit-log" -l json
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from verify-audit-log" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from verify-audit-log" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from verify-audit-log" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from verify-audit-log" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from retention" -l dry-run -d 'Only count what would go'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from retention" -l json
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from retention" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from retention" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from retention" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from retention" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from migrate" -l json
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from migrate" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "create-user" -d 'Create a user with a role; the password is read from stdin or generated and printed'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "reset-password" -d 'Set a new password for a user (generated and printed unless --password-stdin); the user must change it at the next sign-in'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "create-token" -d 'Create an API token for a user and print it once (for scripts and CI)'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "verify-audit-log" -d 'Check the audit log\'s hash chain; names the first broken seq'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "retention" -d 'Prune old job events, outputs and jobs by the [retention] policy'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Apply pending database migrations and print the schema version'
complete -c om -n "__fish_om_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -l server -d 'The platform\'s URL' -r
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -l token -d 'An API token (`om_…`), created under Users in the UI or with POST /api/v1/tokens' -r
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -f -a "list" -d 'Recent jobs, newest first'
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -f -a "show" -d 'One job with its hosts'
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -f -a "cancel" -d 'Cancel a queued or running job'
complete -c om -n "__fish_om_using_subcommand jobs; and not __fish_seen_subcommand_from list show cancel help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -l status -r
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -l user -r
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -l host -d 'Jobs that touched this server (by name)' -r
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -l limit -r
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -l server -d 'The platform\'s URL' -r
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -l token -d 'An API token (`om_…`), created under Users in the UI or with POST /api/v1/tokens' -r
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from show" -l server -d 'The platform\'s URL' -r
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from show" -l token -d 'An API token (`om_…`), created under Users in the UI or with POST /api/v1/tokens' -r
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from show" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l server -d 'The platform\'s URL' -r
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l token -d 'An API token (`om_…`), created under Users in the UI or with POST /api/v1/tokens' -r
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "list" -d 'Recent jobs, newest first'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "show" -d 'One job with its hosts'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel a queued or running job'
complete -c om -n "__fish_om_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand action; and not __fish_seen_subcommand_from list run help" -l server -d 'The platform\'s URL' -r
complete -c om -n "__fish_om_using_subcommand action; and not __fish_seen_subcommand_from list run help" -l token -d 'An API token (`om_…`), created under Users in the UI or with POST /api/v1/tokens' -r
complete -c om -n "__fish_om_using_subcommand action; and not __fish_seen_subcommand_from list run help" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand action; and not __fish_seen_subcommand_from list run help" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand action; and not __fish_seen_subcommand_from list run help" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand action; and not __fish_seen_subcommand_from list run help" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand action; and not __fish_seen_subcommand_from list run help" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand action; and not __fish_seen_subcommand_from list run help" -f -a "list" -d 'Every action with its id, group and parameters'
complete -c om -n "__fish_om_using_subcommand action; and not __fish_seen_subcommand_from list run help" -f -a "run" -d 'Run an action (by id or name) and stream each host\'s output until the job ends'
complete -c om -n "__fish_om_using_subcommand action; and not __fish_seen_subcommand_from list run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from list" -l server -d 'The platform\'s URL' -r
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from list" -l token -d 'An API token (`om_…`), created under Users in the UI or with POST /api/v1/tokens' -r
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -l servers -d 'Server names or ids, comma-separated' -r
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -l param -d 'A parameter, `name=value`; repeat for more' -r
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -l server -d 'The platform\'s URL' -r
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -l token -d 'An API token (`om_…`), created under Users in the UI or with POST /api/v1/tokens' -r
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -l yes -d 'Confirm actions marked dangerous'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -l no-follow -d 'Return once the job is queued instead of following it'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every action with its id, group and parameters'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run an action (by id or name) and stream each host\'s output until the job ends'
complete -c om -n "__fish_om_using_subcommand action; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand worker" -l server -r
complete -c om -n "__fish_om_using_subcommand worker" -l token -d 'The one-time enrolment token (`omw_…`) or an earlier credential (`omc_…`)' -r
complete -c om -n "__fish_om_using_subcommand worker" -l zone -d 'The zone whose jobs this worker runs' -r
complete -c om -n "__fish_om_using_subcommand worker" -l name -d 'The worker\'s name on the Workers page (default: the host name)' -r
complete -c om -n "__fish_om_using_subcommand worker" -l slots -d 'Jobs run at once' -r
complete -c om -n "__fish_om_using_subcommand worker" -l forks -d 'Hosts per job at once, advertised to the platform' -r
complete -c om -n "__fish_om_using_subcommand worker" -l ssh-key -d 'The SSH key and user for servers whose variables name none' -r -F
complete -c om -n "__fish_om_using_subcommand worker" -l ssh-user -r
complete -c om -n "__fish_om_using_subcommand worker" -l known-hosts -d 'A known_hosts file for SSH' -r -F
complete -c om -n "__fish_om_using_subcommand worker" -l repo -d 'The repository with files/ and playbooks/ for copy and playbook actions' -r -F
complete -c om -n "__fish_om_using_subcommand worker" -l state-dir -d 'Where the worker keeps what must survive a restart (the nonces of the job grants it ran). Default: `$XDG_STATE_HOME/om/worker`, else `~/.local/state/om/worker`' -r -F
complete -c om -n "__fish_om_using_subcommand worker" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand worker" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand worker" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand worker" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand facts" -l interval -d 'Sample again every S seconds and show CPU utilisation over each interval' -r
complete -c om -n "__fish_om_using_subcommand facts" -l count -d 'How many samples with --interval' -r
complete -c om -n "__fish_om_using_subcommand facts" -l utmp -d 'The utmp file users are read from' -r -F
complete -c om -n "__fish_om_using_subcommand facts" -l tz -d 'Time zone for times in text output: `UTC` or an offset like `+08:00` (default: local)' -r
complete -c om -n "__fish_om_using_subcommand facts" -l strftime -d 'strftime format for times in text output' -r
complete -c om -n "__fish_om_using_subcommand facts" -l percpu -d 'One record per CPU (cpu)'
complete -c om -n "__fish_om_using_subcommand facts" -l perdisk -d 'Counters per disk, partitions included (diskio)'
complete -c om -n "__fish_om_using_subcommand facts" -l pernic -d 'Counters per network interface (net)'
complete -c om -n "__fish_om_using_subcommand facts" -l all-partitions -d 'Include pseudo and virtual filesystems (disk, partitions)'
complete -c om -n "__fish_om_using_subcommand facts" -l json -d 'Print JSON (one document, or one line per sample with --interval)'
complete -c om -n "__fish_om_using_subcommand facts" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand facts" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand facts" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand facts" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -f -a "list" -d 'Every process: pid, parent, user, status, memory, CPU time, threads, command line'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -f -a "show" -d 'Every field of one process: files, sockets, I/O counters, affinity…'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -f -a "kill" -d 'Send a signal (TERM unless --signal says otherwise)'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -f -a "affinity" -d 'Show the CPUs a process may run on, or set them with --set'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -f -a "spawn" -d 'Run a command without a shell and report its output and CPU times'
complete -c om -n "__fish_om_using_subcommand proc; and not __fish_seen_subcommand_from list show kill affinity spawn help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from list" -l name -d 'Only processes with this name' -r
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from list" -l sort -d 'Order by this field (cpu and rss: largest first)' -r -f -a "pid\t''
cpu\t''
rss\t''
name\t''"
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from list" -l top -d 'Only the first N after sorting' -r
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from show" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from kill" -s s -l signal -d 'A signal name (TERM, KILL, HUP, INT, STOP, CONT…) or number' -r
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from kill" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from kill" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from kill" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from kill" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from affinity" -l set -d 'CPUs like `0,2-3`' -r
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from affinity" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from affinity" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from affinity" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from affinity" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from affinity" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from spawn" -l json -d 'Print JSON'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from spawn" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from spawn" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from spawn" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from spawn" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every process: pid, parent, user, status, memory, CPU time, threads, command line'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from help" -f -a "show" -d 'Every field of one process: files, sockets, I/O counters, affinity…'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from help" -f -a "kill" -d 'Send a signal (TERM unless --signal says otherwise)'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from help" -f -a "affinity" -d 'Show the CPUs a process may run on, or set them with --set'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from help" -f -a "spawn" -d 'Run a command without a shell and report its output and CPU times'
complete -c om -n "__fish_om_using_subcommand proc; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand completions" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand completions" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand completions" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "run" -d 'Run a command or module across hosts over SSH (ansible PATTERN -m …)'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "play" -d 'Run Ansible playbooks and roles (ansible-playbook site.yml …)'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "inventory" -d 'Inventories: hosts, groups and variables; which hosts a pattern or target selects'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "lab" -d 'A sandbox fleet: real OpenSSH hosts on loopback addresses and network namespaces'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "ip" -d 'IPv4/IPv6 calculator with IPy\'s behaviour (info, contains, overlaps, list, convert, show)'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "dns" -d 'DNS queries (dig/nslookup for scripts) and the round-robin health check'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "http" -d 'HTTP probe with libcurl\'s phase timings'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "probe" -d 'TCP connect and ICMP echo probes'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "scan" -d 'Port scan with nmap\'s target/port syntax, normal/XML/book output and baselines'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "trace" -d 'TCP SYN / ICMP traceroute with a hop table and DOT/SVG route graphs'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "serve" -d 'Start the web platform: UI, REST API, job runners, SQLite in a data directory'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "admin" -d 'Administer the platform\'s database: users, audit-log verification, retention'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "jobs" -d 'The platform\'s job history: list, show, cancel'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "action" -d 'The platform\'s actions: list, run on servers and follow the output'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "worker" -d 'Run the platform\'s jobs on this machine, for one zone'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "facts" -d 'This machine\'s facts: CPU, memory, disks, network, users, boot time (psutil\'s names)'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "proc" -d 'Processes on this machine: list, show, kill, CPU affinity, spawn'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "completions" -d 'Print a shell completion script: `om completions bash > /etc/bash_completion.d/om`'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run play inventory lab ip dns http probe scan trace serve admin jobs action worker facts proc completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "up" -d 'Start N SSH hosts h1…hN served by the real sshd, one loopback address each'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "status" -d 'Show whether the lab runs, its hosts, and connections served per host'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "down" -d 'Stop the lab: every sshd it started, its namespaces and veth pairs'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "kill" -d 'Cut a host off: connections are refused (loopback) or the link goes down (netns)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "revive" -d 'Bring a killed host back'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "netem" -d 'Delay and lose traffic to a host, for fault tests'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "supervise" -d 'Run a lab\'s supervisor in the foreground (started by `om lab up`)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from ip" -f -a "info" -d 'The book\'s ipcalc-style summary: net, netmask, broadcast, reverse address, address count ("subnet"), hexadecimal, binary and IPy\'s type'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from ip" -f -a "contains" -d 'Whether NET contains the address or network (exit 0 yes, 1 no)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from ip" -f -a "overlaps" -d 'IPy\'s overlaps(A, B): 1 when B starts inside A, -1 when A starts inside B, 0 otherwise (exit 0 on overlap, 1 otherwise)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from ip" -f -a "list" -d 'Every address of a network, network and broadcast included'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from ip" -f -a "convert" -d 'An address as a decimal integer, unpadded `0x` hex, or zero-padded binary'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from ip" -f -a "split" -d 'The subnets of a network with a longer prefix: `om ip split 10.0.0.0/24 --prefix 26`'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from ip" -f -a "summarize" -d 'The fewest CIDR blocks covering the given networks and ranges (aggregation; any range `first-last` becomes its minimal CIDR list)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from ip" -f -a "show" -d 'A network as IPy\'s strNormal(mode): 0 address, 1 /prefix, 2 /netmask, 3 first-last. With no mode the prefix is shown only for networks'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from dns" -f -a "query" -d 'Ask for one record type. Exit 0 answered, 1 NXDOMAIN or no records, 2 SERVFAIL, REFUSED, timeout or usage'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from dns" -f -a "rr-check" -d 'Resolve a name uncached and probe every address concurrently over HTTP(S) with the Host header and SNI pinned. Exit 0 ok, 1 degraded or down, 2 DNS error; --nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from http" -f -a "probe" -d 'Probe URLs like the book\'s pycurl script: status, DNS/connect/TLS/first-byte/total times, sizes and speed. Exit 0 all fine, 1 a failure or failed check, 2 usage'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from probe" -f -a "tcp" -d 'Connect to HOST:PORT and time lookup and connect. Exit 0 connected, 1 not'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from probe" -f -a "icmp" -d 'ICMP echo (needs CAP_NET_RAW or ping_group_range). Exit 0 answered, 1 not'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "create-user" -d 'Create a user with a role; the password is read from stdin or generated and printed'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "reset-password" -d 'Set a new password for a user (generated and printed unless --password-stdin); the user must change it at the next sign-in'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "create-token" -d 'Create an API token for a user and print it once (for scripts and CI)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "verify-audit-log" -d 'Check the audit log\'s hash chain; names the first broken seq'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "retention" -d 'Prune old job events, outputs and jobs by the [retention] policy'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "migrate" -d 'Apply pending database migrations and print the schema version'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "list" -d 'Recent jobs, newest first'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "show" -d 'One job with its hosts'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "cancel" -d 'Cancel a queued or running job'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from action" -f -a "list" -d 'Every action with its id, group and parameters'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from action" -f -a "run" -d 'Run an action (by id or name) and stream each host\'s output until the job ends'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from proc" -f -a "list" -d 'Every process: pid, parent, user, status, memory, CPU time, threads, command line'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from proc" -f -a "show" -d 'Every field of one process: files, sockets, I/O counters, affinity…'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from proc" -f -a "kill" -d 'Send a signal (TERM unless --signal says otherwise)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from proc" -f -a "affinity" -d 'Show the CPUs a process may run on, or set them with --set'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from proc" -f -a "spawn" -d 'Run a command without a shell and report its output and CPU times'
