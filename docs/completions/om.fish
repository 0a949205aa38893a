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
complete -c om -n "__fish_om_needs_command" -f -a "lab" -d 'A sandbox fleet: real OpenSSH hosts on loopback addresses and network namespaces'
complete -c om -n "__fish_om_needs_command" -f -a "completions" -d 'Print a shell completion script: `om completions bash > /etc/bash_completion.d/om`'
complete -c om -n "__fish_om_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c om -n "__fish_om_using_subcommand completions" -s v -l verbose -d 'More log output on stderr: -v debug, -vv trace (OM_LOG overrides)'
complete -c om -n "__fish_om_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c om -n "__fish_om_using_subcommand completions" -s h -l help -d 'Print help'
complete -c om -n "__fish_om_using_subcommand completions" -s V -l version -d 'Print version'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from lab completions help" -f -a "lab" -d 'A sandbox fleet: real OpenSSH hosts on loopback addresses and network namespaces'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from lab completions help" -f -a "completions" -d 'Print a shell completion script: `om completions bash > /etc/bash_completion.d/om`'
complete -c om -n "__fish_om_using_subcommand help; and not __fish_seen_subcommand_from lab completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "up" -d 'Start N SSH hosts h1…hN served by the real sshd, one loopback address each'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "status" -d 'Show whether the lab runs, its hosts, and connections served per host'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "down" -d 'Stop the lab: every sshd it started, its namespaces and veth pairs'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "kill" -d 'Cut a host off: connections are refused (loopback) or the link goes down (netns)'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "revive" -d 'Bring a killed host back'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "netem" -d 'Delay and lose traffic to a host, for fault tests'
complete -c om -n "__fish_om_using_subcommand help; and __fish_seen_subcommand_from lab" -f -a "supervise" -d 'Run a lab\'s supervisor in the foreground (started by `om lab up`)'
