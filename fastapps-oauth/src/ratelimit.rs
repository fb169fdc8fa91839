//! Rate limits for the authorization server's endpoints, per client address.
//!
//! `/register` is open to anyone and each registration is stored, `/authorize` may start a
//! metadata-document fetch, `/token` and `/revoke` are where codes and refresh tokens are
//! guessed: each endpoint gets a quota per peer address (defaults after the MCP TypeScript SDK's
//! authorization router). The algorithm is GCRA, a token bucket kept as one instant per bucket:
//! a peer may send `requests` at once, and then one more every `per / requests`.
//!
//! Written here rather than taken from `governor`, whose keyed limiter keeps every key it has
//! ever seen until it is swept: an attacker walking through addresses would grow it without a
//! bound between sweeps. This map holds at most [`MAX_BUCKETS`] buckets. A bucket that has filled
//! up again is the same as no bucket, so those are dropped first; if the map is still full, new
//! peers share one overflow bucket per endpoint instead of going unlimited.
//!
//! IPv6 peers are limited per /64 (one host usually has a whole /64 to pick addresses from);
//! IPv4-mapped IPv6 addresses count as the IPv4 address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The most buckets kept at once, all endpoints together.
pub(crate) const MAX_BUCKETS: usize = 100_000;
/// How often a full map is swept for refilled buckets at most.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// An authorization-server endpoint with its own quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /register` (RFC 7591).
    Register,
    /// `GET /authorize`.
    Authorize,
    /// `POST /token`.
    Token,
    /// `POST /revoke` (RFC 7009).
    Revoke,
}

/// Requests allowed per peer per window: `requests` at once, refilled evenly over `per`.
///
/// `requests: 0` refuses every request; `per` of zero allows every request.
#[derive(Clone, Copy, Debug)]
pub struct Quota {
    /// How many requests a peer may send in one window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

impl Quota {
    /// `requests` per `per`.
    pub const fn new(requests: u32, per: Duration) -> Self {
        Self { requests, per }
    }
}

/// The quota of each endpoint.
#[derive(Clone, Debug)]
pub struct RateLimits {
    /// `POST /register`; default 20 per hour.
    pub register: Quota,
    /// `GET /authorize`; default 100 per 15 minutes.
    pub authorize: Quota,
    /// `POST /token`; default 50 per 15 minutes.
    pub token: Quota,
    /// `POST /revoke`; default 50 per 15 minutes.
    pub revoke: Quota,
}

impl Default for RateLimits {
    fn default() -> Self {
        const MINUTE: u64 = 60;
        Self {
            register: Quota::new(20, Duration::from_secs(60 * MINUTE)),
            authorize: Quota::new(100, Duration::from_secs(15 * MINUTE)),
            token: Quota::new(50, Duration::from_secs(15 * MINUTE)),
            revoke: Quota::new(50, Duration::from_secs(15 * MINUTE)),
        }
    }
}

impl RateLimits {
    /// The quota of `endpoint`.
    pub fn quota(&self, endpoint: Endpoint) -> Quota {
        match endpoint {
            Endpoint::Register => self.register,
            Endpoint::Authorize => self.authorize,
            Endpoint::Token => self.token,
            Endpoint::Revoke => self.revoke,
        }
    }
}

/// Whose bucket a request draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Bucket {
    /// Requests whose address is unknown, together.
    Unknown,
    V4(u32),
    /// The /64 of an IPv6 address.
    V6(u64),
}

impl Bucket {
    fn of(ip: Option<IpAddr>) -> Self {
        match ip.map(|ip| ip.to_canonical()) {
            None => Self::Unknown,
            Some(IpAddr::V4(v4)) => Self::V4(u32::from(v4)),
            Some(IpAddr::V6(v6)) => Self::V6((u128::from(v6) >> 64) as u64),
        }
    }
}

/// One GCRA quota: the emission interval (one request's share of the window) and the tolerance
/// (how far ahead of now the bucket's theoretical arrival time may run).
#[derive(Clone, Copy, Debug)]
struct Gcra {
    interval: Duration,
    tolerance: Duration,
}

impl Gcra {
    /// `None` for a quota that refuses everything.
    fn of(quota: Quota) -> Option<Self> {
        if quota.requests == 0 {
            return None;
        }
        let interval = quota.per / quota.requests;
        Some(Self { interval, tolerance: quota.per.saturating_sub(interval) })
    }
}

#[derive(Debug, Default)]
struct Buckets {
    /// Theoretical arrival time of the next request, per (endpoint, peer).
    tat: HashMap<(Endpoint, Bucket), Instant>,
    /// The same for the new peers of each endpoint while `tat` is full.
    overflow: HashMap<Endpoint, Instant>,
    last_sweep: Option<Instant>,
}

/// Counts requests per endpoint and peer address, in bounded memory.
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: RateLimits,
    max_buckets: usize,
    buckets: Mutex<Buckets>,
}

impl Limiter {
    /// A limiter with these quotas.
    pub(crate) fn new(limits: RateLimits) -> Self {
        Self::with_capacity(limits, MAX_BUCKETS)
    }

    fn with_capacity(limits: RateLimits, max_buckets: usize) -> Self {
        Self { limits, max_buckets: max_buckets.max(1), buckets: Mutex::new(Buckets::default()) }
    }

    /// `Ok`, or `Err(retry_after)` when the peer exceeded the endpoint's quota. `peer` `None`
    /// (unknown address) shares one bucket.
    pub(crate) fn check(&self, endpoint: Endpoint, peer: Option<IpAddr>) -> Result<(), Duration> {
        self.check_at(endpoint, peer, Instant::now())
    }

    /// [`check`](Self::check) at a given instant.
    pub(crate) fn check_at(&self, endpoint: Endpoint, peer: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let quota = self.limits.quota(endpoint);
        let Some(gcra) = Gcra::of(quota) else { return Err(quota.per.max(Duration::from_secs(1))) };
        if gcra.interval.is_zero() {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (endpoint, Bucket::of(peer));
        let mut overflow = false;
        if !buckets.tat.contains_key(&key) && buckets.tat.len() >= self.max_buckets {
            Self::sweep(&mut buckets, now);
            overflow = buckets.tat.len() >= self.max_buckets;
        }
        let stored = if overflow { buckets.overflow.get(&endpoint) } else { buckets.tat.get(&key) };
        let tat = stored.map_or(now, |t| (*t).max(now));
        let ahead = tat.saturating_duration_since(now);
        if ahead > gcra.tolerance {
            return Err(ahead - gcra.tolerance);
        }
        let next = tat + gcra.interval;
        if overflow {
            buckets.overflow.insert(endpoint, next);
        } else {
            buckets.tat.insert(key, next);
        }
        Ok(())
    }

    /// Drops the buckets that have filled up again (their arrival time is past); at most once per
    /// [`SWEEP_INTERVAL`].
    fn sweep(buckets: &mut Buckets, now: Instant) {
        if buckets.last_sweep.is_some_and(|last| now.saturating_duration_since(last) < SWEEP_INTERVAL) {
            return;
        }
        buckets.last_sweep = Some(now);
        buckets.tat.retain(|_, tat| *tat > now);
        buckets.overflow.retain(|_, tat| *tat > now);
    }

    /// How many buckets are kept (for tests of the bound).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner).tat.len()
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn tiny() -> RateLimits {
        let q = Quota::new(3, Duration::from_millis(200));
        RateLimits { register: q, authorize: q, token: q, revoke: q }
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn defaults() {
        let d = RateLimits::default();
        assert_eq!((d.register.requests, d.register.per), (20, Duration::from_secs(3600)));
        assert_eq!((d.authorize.requests, d.authorize.per), (100, Duration::from_secs(900)));
        assert_eq!((d.token.requests, d.token.per), (50, Duration::from_secs(900)));
        assert_eq!((d.revoke.requests, d.revoke.per), (50, Duration::from_secs(900)));
        assert_eq!(d.quota(Endpoint::Token).requests, 50);
    }

    #[test]
    fn fourth_request_is_refused_with_retry_after() {
        let limiter = Limiter::new(tiny());
        let t0 = Instant::now();
        let peer = ip("198.51.100.7");
        for _ in 0..3 {
            assert_eq!(limiter.check_at(Endpoint::Register, peer, t0), Ok(()));
        }
        let retry = limiter.check_at(Endpoint::Register, peer, t0).unwrap_err();
        // 3 per 200 ms: one request's share is 66.7 ms.
        assert!(retry > 60 * MS && retry <= 67 * MS, "{retry:?}");
        // Refused requests do not push the bucket further.
        assert_eq!(limiter.check_at(Endpoint::Register, peer, t0), Err(retry));
    }

    #[test]
    fn other_peers_and_endpoints_are_unaffected() {
        let limiter = Limiter::new(tiny());
        let t0 = Instant::now();
        let peer = ip("198.51.100.7");
        for _ in 0..3 {
            limiter.check_at(Endpoint::Token, peer, t0).unwrap();
        }
        assert!(limiter.check_at(Endpoint::Token, peer, t0).is_err());
        for endpoint in [Endpoint::Register, Endpoint::Authorize, Endpoint::Revoke] {
            assert_eq!(limiter.check_at(endpoint, peer, t0), Ok(()), "{endpoint:?}");
        }
        assert_eq!(limiter.check_at(Endpoint::Token, ip("198.51.100.8"), t0), Ok(()));
        assert_eq!(limiter.check_at(Endpoint::Token, None, t0), Ok(()));
    }

    #[test]
    fn bucket_refills() {
        let limiter = Limiter::new(tiny());
        let t0 = Instant::now();
        let peer = ip("203.0.113.1");
        for _ in 0..3 {
            limiter.check_at(Endpoint::Authorize, peer, t0).unwrap();
        }
        let retry = limiter.check_at(Endpoint::Authorize, peer, t0).unwrap_err();
        assert!(limiter.check_at(Endpoint::Authorize, peer, t0 + retry - MS).is_err());
        assert_eq!(limiter.check_at(Endpoint::Authorize, peer, t0 + retry), Ok(()));
        assert!(limiter.check_at(Endpoint::Authorize, peer, t0 + retry).is_err());
        // After a whole window the full burst is back.
        let later = t0 + Duration::from_millis(500);
        for _ in 0..3 {
            assert_eq!(limiter.check_at(Endpoint::Authorize, peer, later), Ok(()));
        }
        assert!(limiter.check_at(Endpoint::Authorize, peer, later).is_err());
    }

    #[test]
    fn real_clock() {
        let limiter = Limiter::new(tiny());
        let peer = ip("192.0.2.10");
        for _ in 0..3 {
            limiter.check(Endpoint::Revoke, peer).unwrap();
        }
        let retry = limiter.check(Endpoint::Revoke, peer).unwrap_err();
        assert!(retry <= Duration::from_millis(67), "{retry:?}");
        std::thread::sleep(retry + 5 * MS);
        assert_eq!(limiter.check(Endpoint::Revoke, peer), Ok(()));
    }

    #[test]
    fn unknown_peers_share_one_bucket() {
        let limiter = Limiter::new(tiny());
        let t0 = Instant::now();
        for _ in 0..3 {
            limiter.check_at(Endpoint::Register, None, t0).unwrap();
        }
        assert!(limiter.check_at(Endpoint::Register, None, t0).is_err());
    }

    #[test]
    fn ipv6_peers_are_limited_per_64_and_mapped_v4_as_v4() {
        let limiter = Limiter::new(tiny());
        let t0 = Instant::now();
        for i in 1..=3u16 {
            let addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, i);
            limiter.check_at(Endpoint::Register, Some(addr.into()), t0).unwrap();
        }
        let same_64 = Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0xffff, 1, 2, 3);
        assert!(limiter.check_at(Endpoint::Register, Some(same_64.into()), t0).is_err());
        let next_64 = Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1);
        assert_eq!(limiter.check_at(Endpoint::Register, Some(next_64.into()), t0), Ok(()));

        let v4 = Ipv4Addr::new(198, 51, 100, 9);
        for _ in 0..3 {
            limiter.check_at(Endpoint::Token, Some(v4.into()), t0).unwrap();
        }
        assert!(limiter.check_at(Endpoint::Token, Some(v4.to_ipv6_mapped().into()), t0).is_err());
    }

    #[test]
    fn zero_requests_refuses_and_zero_window_allows() {
        let limits = RateLimits {
            register: Quota::new(0, Duration::from_secs(60)),
            authorize: Quota::new(5, Duration::ZERO),
            ..tiny()
        };
        let limiter = Limiter::new(limits);
        assert_eq!(limiter.check(Endpoint::Register, None), Err(Duration::from_secs(60)));
        for _ in 0..100 {
            assert_eq!(limiter.check(Endpoint::Authorize, None), Ok(()));
        }
        assert_eq!(limiter.len(), 0);
    }

    #[test]
    fn memory_is_bounded_and_overflow_is_shared() {
        let limiter = Limiter::with_capacity(tiny(), 10);
        let t0 = Instant::now();
        let peer = |i: u32| Some(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)));
        for i in 0..10 {
            limiter.check_at(Endpoint::Register, peer(i), t0).unwrap();
        }
        assert_eq!(limiter.len(), 10);
        // The map is full of live buckets: newcomers share the overflow bucket (3 requests).
        for i in 10..13 {
            assert_eq!(limiter.check_at(Endpoint::Register, peer(i), t0), Ok(()));
        }
        assert!(limiter.check_at(Endpoint::Register, peer(13), t0).is_err());
        assert!(limiter.check_at(Endpoint::Register, peer(99), t0).is_err());
        assert!(limiter.len() <= 10);
        // Known peers keep their own buckets.
        assert_eq!(limiter.check_at(Endpoint::Register, peer(0), t0), Ok(()));
        // Once the buckets have refilled they are swept, and newcomers get buckets of their own.
        let later = t0 + Duration::from_secs(2);
        for i in 100..103 {
            assert_eq!(limiter.check_at(Endpoint::Register, peer(i), later), Ok(()));
            assert_eq!(limiter.check_at(Endpoint::Register, peer(i), later), Ok(()));
        }
        assert!(limiter.len() <= 10);
        for i in 0..1000 {
            let _ = limiter.check_at(Endpoint::Token, peer(i), later);
        }
        assert!(limiter.len() <= 10);
    }
}
