use clap::{Args, Subcommand};

/// IPv4/IPv6 calculator with IPy's behaviour: the book's `IP()` examples as commands.
///
///   om ip info 192.168.1.0/24
///   om ip info 192.168.1.20/24 --make-net --json
///   om ip contains 10.0.0.0/8 10.1.2.0/24
///   om ip show 192.168.1.0/24 --mode 3
#[derive(Debug, Args)]
pub struct IpArgs {
    #[command(subcommand)]
    pub command: IpCommand,
}

/// How to read the addresses given on the command line.
#[derive(Debug, Args, Clone, Copy)]
pub struct IpParseArgs {
    /// Mask host bits off (IPy's make_net=True) instead of rejecting `192.168.1.20/24`.
    #[arg(long, global = true)]
    pub make_net: bool,
    /// Read integers that fit in 32 bits as IPv6 addresses.
    #[arg(long, global = true)]
    pub v6: bool,
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum IpCommand {
    /// The book's ipcalc-style summary: net, netmask, broadcast, reverse address, address
    /// count ("subnet"), hexadecimal, binary and IPy's type.
    Info {
        /// An address or network: 192.168.1.20, ::1, 10.0.0.0/8, 192.168.1.0/255.255.255.0,
        /// 192.168.1.0-192.168.1.255, 3232235796 or 0xc0a80114. Several are allowed.
        #[arg(required_unless_present = "interactive")]
        addresses: Vec<String>,
        /// Prompt for one address as the book's script did.
        #[arg(long)]
        interactive: bool,
        #[command(flatten)]
        parse: IpParseArgs,
    },
    /// Whether NET contains the address or network (exit 0 yes, 1 no).
    Contains {
        net: String,
        item: String,
        #[command(flatten)]
        parse: IpParseArgs,
    },
    /// IPy's overlaps(A, B): 1 when B starts inside A, -1 when A starts inside B, 0 otherwise
    /// (exit 0 on overlap, 1 otherwise).
    Overlaps {
        a: String,
        b: String,
        #[command(flatten)]
        parse: IpParseArgs,
    },
    /// Every address of a network, network and broadcast included.
    List {
        net: String,
        /// Stop after this many addresses.
        #[arg(long)]
        limit: Option<u64>,
        #[command(flatten)]
        parse: IpParseArgs,
    },
    /// An address as a decimal integer, unpadded `0x` hex, or zero-padded binary.
    Convert {
        address: String,
        #[arg(long, value_enum)]
        to: ConvertTo,
        #[command(flatten)]
        parse: IpParseArgs,
    },
    /// The subnets of a network with a longer prefix: `om ip split 10.0.0.0/24 --prefix 26`.
    Split {
        net: String,
        #[arg(long)]
        prefix: u8,
        #[command(flatten)]
        parse: IpParseArgs,
    },
    /// The fewest CIDR blocks covering the given networks and ranges (aggregation; any
    /// range `first-last` becomes its minimal CIDR list).
    Summarize {
        #[arg(required = true)]
        nets: Vec<String>,
        #[command(flatten)]
        parse: IpParseArgs,
    },
    /// A network as IPy's strNormal(mode): 0 address, 1 /prefix, 2 /netmask, 3 first-last.
    /// With no mode the prefix is shown only for networks.
    Show {
        net: String,
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=3))]
        mode: Option<u8>,
        #[command(flatten)]
        parse: IpParseArgs,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ConvertTo {
    Int,
    Hex,
    Bin,
}
