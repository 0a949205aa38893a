//! Timing templates `-T0`…`-T5` and RTT-adaptive probe timeouts, after nmap.
//!
//! | template | initial RTT timeout | min | max | retries | scan delay | parallelism |
//! |---|---|---|---|---|---|---|
//! | T0 paranoid | 5 min | 100 ms | 5 min | 10 | 5 min | 1 |
//! | T1 sneaky | 15 s | 100 ms | 15 s | 10 | 15 s | 1 |
//! | T2 polite | 1 s | 100 ms | 10 s | 10 | 400 ms | 1 |
//! | T3 normal (default) | 1 s | 100 ms | 10 s | 10 | 0 | file-descriptor budget |
//! | T4 aggressive | 500 ms | 100 ms | 1250 ms | 6 | 0 | file-descriptor budget |
//! | T5 insane | 250 ms | 50 ms | 300 ms | 2 | 0 | file-descriptor budget |
//!
//! The probe timeout of a host is `srtt + 4 × rttvar` from the answers seen so far, bounded by
//! min and max, and the initial value until the first answer.

use std::time::Duration;

use serde::Serialize;

/// The timing values a scan uses; [`Timing::template`] gives nmap's sets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Timing {
    pub template: u8,
    pub initial_rtt: Duration,
    pub min_rtt: Duration,
    pub max_rtt: Duration,
    pub max_retries: u32,
    pub scan_delay: Duration,
    /// `None`: as many probes in flight as the file-descriptor budget allows.
    pub max_parallelism: Option<usize>,
    pub host_timeout: Option<Duration>,
}

impl Timing {
    /// nmap's template `-T<n>` (n = 0…5; anything else is T3).
    pub fn template(n: u8) -> Timing {
        let ms = Duration::from_millis;
        let s = Duration::from_secs;
        let (initial_rtt, min_rtt, max_rtt, max_retries, scan_delay, max_parallelism) = match n {
            0 => (s(300), ms(100), s(300), 10, s(300), Some(1)),
            1 => (s(15), ms(100), s(15), 10, s(15), Some(1)),
            2 => (s(1), ms(100), s(10), 10, ms(400), Some(1)),
            4 => (ms(500), ms(100), ms(1250), 6, ms(0), None),
            5 => (ms(250), ms(50), ms(300), 2, ms(0), None),
            _ => (s(1), ms(100), s(10), 10, ms(0), None),
        };
        let host_timeout = (n == 5).then(|| s(15 * 60));
        Timing { template: n.min(5), initial_rtt, min_rtt, max_rtt, max_retries, scan_delay, max_parallelism, host_timeout }
    }
}

impl Default for Timing {
    fn default() -> Self {
        Timing::template(3)
    }
}

/// Smoothed RTT and variance of one host (RFC 6298 constants, as nmap).
#[derive(Debug, Clone, Copy, Default)]
pub struct RttEstimate {
    srtt_us: Option<f64>,
    rttvar_us: f64,
}

impl RttEstimate {
    pub fn update(&mut self, rtt: Duration) {
        let r = rtt.as_secs_f64() * 1e6;
        match self.srtt_us {
            None => {
                self.srtt_us = Some(r);
                self.rttvar_us = (r / 2.0).max(5000.0);
            }
            Some(srtt) => {
                self.rttvar_us += ((srtt - r).abs() - self.rttvar_us) / 4.0;
                self.srtt_us = Some(srtt + (r - srtt) / 8.0);
            }
        }
    }

    /// The probe timeout: `srtt + 4 × rttvar` within the template's bounds.
    pub fn timeout(&self, timing: &Timing) -> Duration {
        match self.srtt_us {
            None => timing.initial_rtt,
            Some(srtt) => Duration::from_micros((srtt + 4.0 * self.rttvar_us) as u64).clamp(timing.min_rtt, timing.max_rtt),
        }
    }

    pub fn srtt_us(&self) -> Option<u64> {
        self.srtt_us.map(|v| v as u64)
    }

    pub fn rttvar_us(&self) -> u64 {
        self.rttvar_us as u64
    }
}
