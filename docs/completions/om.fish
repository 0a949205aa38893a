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
complete -c om -n "__fish_om_needs_command" -f -a "inventory" -d 'Inventories: hosts, groups and variables; which hosts a pattern or target selects'
complete -c om -n "__fish_om_needs_command" -f -a "lab" -d 'A sandbox fleet: real OpenSSH hosts on loopback addresses and network namespaces'
complete -c om -n "__fish_om_needs_command" -f -a "facts" -d 'This machine\'s facts: CPU, memory, disks, network, users, boot time (psutil\'s names)'
complete -c om -n "__fish_om_needs_command" -f -a "proc" -d 'Processes on this machine: list, show, kill, CPU affinity, spawn'
complete -c om -n "__fish_om_needs_command" -f -a "completions" -d 'Print a shell completion script: `om completions bash > /etc/bash_completion.d/om`'
complete -c om -n "__fish_om_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand run" -s i -l inventory -d 'Inventory source: a file, a directory, a script, or a comma-separated host list (`h1,h2,`); repeatable. Default: ANSIBLE_INVENTORY, then /etc/ansible/hosts' -r
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
complete -c om -n "__fish_om_using_subcommand run" -l become-method -d 'The become method: sudo (su is not supported yet)' -r -f -a "sudo\t''
su\t''"
complete -c om -n "__fish_om_using_subcommand run" -s B -l background -d 'Run in the background, giving up after this many seconds' -r
complete -c om -n "__fish_om_using_subcommand run" -s P -l poll -d 'Poll a background job every this many seconds; 0 returns its job id at once' -r
complete -c om -n "__fish_om_using_subcommand run" -l status -d 'Report a background job started with -B … -P 0' -r
complete -c om -n "__fish_om_using_subcommand run" -s t -l tree -d 'Also write each host\'s result as JSON to DIR/<host>' -r -F
complete -c om -n "__fish_om_using_subcommand run" -s U -l sudo-user -d 'Removed in ansible: use --become-user' -r
complete -c om -n "__fish_om_using_subcommand run" -l list-hosts -d 'Print the hosts the pattern selects and stop'
complete -c om -n "__fish_om_using_subcommand run" -s k -l ask-pass -d 'Ask for the SSH password (also tried as a key passphrase)'
complete -c om -n "__fish_om_using_subcommand run" -s b -l become -d 'Run as another user (sudo)'
complete -c om -n "__fish_om_using_subcommand run" -s K -l ask-become-pass -d 'Ask for the sudo password'
complete -c om -n "__fish_om_using_subcommand run" -s C -l check -d 'Change nothing; report what would change'
complete -c om -n "__fish_om_using_subcommand run" -s D -l diff -d 'Show differences (for modules that report them)'
complete -c om -n "__fish_om_using_subcommand run" -s o -l one-line -d 'One line per host'
complete -c om -n "__fish_om_using_subcommand run" -l json -d 'Print {"contacted": {…}, "dark": {…}} (the Runner API\'s shape) instead of text'
complete -c om -n "__fish_om_using_subcommand run" -l events -d 'Stream JSON lines of events (run, task, output chunk, result, recap); see docs/events.md'
complete -c om -n "__fish_om_using_subcommand run" -l sudo -d 'Removed in ansible: use -b'
complete -c om -n "__fish_om_using_subcommand run" -l ask-sudo-pass -d 'Removed in ansible: use -K'
complete -c om -n "__fish_om_using_subcommand run" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand run" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand run" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand run" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand inventory" -s i -l inventory -d 'An inventory source: a file, a directory, or a comma list `h1,h2,` (repeat to merge sources in order). Default: $ANSIBLE_INVENTORY, else /etc/ansible/hosts' -r
complete -c om -n "__fish_om_using_subcommand inventory" -l host -d 'Print one host\'s variables' -r
complete -c om -n "__fish_om_using_subcommand inventory" -l export -d 'Write the inventory as an INI or YAML inventory file that loads back the same' -r -f -a "ini\t''
yaml\t''"
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
category\t'`<function category>[/<application>]` of the asset hierarchy'"
complete -c om -n "__fish_om_using_subcommand inventory" -l fact-cache -d 'The fact cache (Ansible\'s jsonfile layout: one JSON file per host) holding grains' -r -F
complete -c om -n "__fish_om_using_subcommand inventory" -l nodegroups -d 'A YAML file with `nodegroups: {name: \'compound target\', ...}` for N@ and --tgt-type nodegroup' -r -F
complete -c om -n "__fish_om_using_subcommand inventory" -l playbook-dir -d 'Also read group_vars/ and host_vars/ beside this playbook directory' -r -F
complete -c om -n "__fish_om_using_subcommand inventory" -l list -d 'Print every group, host and host variable as ansible-inventory --list does (JSON)'
complete -c om -n "__fish_om_using_subcommand inventory" -l graph -d 'Draw the group tree from `all` (or from the group given as PATTERN)'
complete -c om -n "__fish_om_using_subcommand inventory" -l list-hosts -d 'Print the hosts PATTERN selects, one per line, in ansible-core\'s order'
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
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run inventory lab facts proc completions help" -f -a "run" -d 'Run a command or module across hosts over SSH (ansible PATTERN -m …)'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run inventory lab facts proc completions help" -f -a "inventory" -d 'Inventories: hosts, groups and variables; which hosts a pattern or target selects'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run inventory lab facts proc completions help" -f -a "lab" -d 'A sandbox fleet: real OpenSSH hosts on loopback addresses and network namespaces'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run inventory lab facts proc completions help" -f -a "facts" -d 'This machine\'s facts: CPU, memory, disks, network, users, boot time (psutil\'s names)'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run inventory lab facts proc completions help" -f -a "proc" -d 'Processes on this machine: list, show, kill, CPU affinity, spawn'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run inventory lab facts proc completions help" -f -a "completions" -d 'Print a shell completion script: `om completions bash > /etc/bash_completion.d/om`'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from run inventory lab facts proc completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "up" -d 'Start N SSH hosts h1…hN served by the real sshd, one loopback address each'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "status" -d 'Show whether the lab runs, its hosts, and connections served per host'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "down" -d 'Stop the lab: every sshd it started, its namespaces and veth pairs'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "kill" -d 'Cut a host off: connections are refused (loopback) or the link goes down (netns)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "revive" -d 'Bring a killed host back'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "netem" -d 'Delay and lose traffic to a host, for fault tests'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "supervise" -d 'Run a lab\'s supervisor in the foreground (started by `om lab up`)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from proc" -f -a "list" -d 'Every process: pid, parent, user, status, memory, CPU time, threads, command line'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from proc" -f -a "show" -d 'Every field of one process: files, sockets, I/O counters, affinity…'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from proc" -f -a "kill" -d 'Send a signal (TERM unless --signal says otherwise)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from proc" -f -a "affinity" -d 'Show the CPUs a process may run on, or set them with --set'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from proc" -f -a "spawn" -d 'Run a command without a shell and report its output and CPU times'
