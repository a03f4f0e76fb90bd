//! Lists of IP networks from the configuration: `[sip] accept-from` and `[rtp] peer-networks`.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::error::SipError;

/// A set of IP networks (single addresses are /32 or /128 networks).
///
/// ```
/// use voice_otp_sip::NetworkList;
///
/// let list = NetworkList::parse(["192.0.2.0/24", "2001:db8::1"]).unwrap();
/// assert!(list.contains("192.0.2.77".parse().unwrap()));
/// assert!(!list.contains("198.51.100.1".parse().unwrap()));
/// assert!(NetworkList::any().contains("198.51.100.1".parse().unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkList {
    nets: Vec<IpNet>,
}

impl NetworkList {
    /// Every IPv4 and IPv6 address.
    pub fn any() -> Self {
        NetworkList {
            nets: vec![IpNet::V4(Default::default()), IpNet::V6(Default::default())],
        }
    }

    /// Exactly these addresses.
    pub fn addresses(ips: impl IntoIterator<Item = IpAddr>) -> Self {
        NetworkList {
            nets: ips
                .into_iter()
                .map(|ip| IpNet::from(ip.to_canonical()))
                .collect(),
        }
    }

    /// Parses addresses (`192.0.2.7`, `::1`) and networks (`192.0.2.0/24`); the error names
    /// the first item that is neither.
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, SipError> {
        let nets = items
            .into_iter()
            .map(|item| {
                let item = item.trim();
                item.parse::<IpNet>()
                    .map(|n| n.trunc())
                    .or_else(|_| {
                        item.parse::<IpAddr>()
                            .map(|ip| IpNet::from(ip.to_canonical()))
                    })
                    .map_err(|_| SipError::Network(item.to_owned()))
            })
            .collect::<Result<_, _>>()?;
        Ok(NetworkList { nets })
    }

    /// Whether `ip` (an IPv4-mapped IPv6 address counts as its IPv4 address) is in the list.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// Whether the list holds no network at all (then it contains nothing).
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }
}

impl fmt::Display for NetworkList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.nets.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n}")?;
        }
        Ok(())
    }
}
