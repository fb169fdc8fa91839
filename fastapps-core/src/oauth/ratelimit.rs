//! TEMPORARY stand-in (replaced on merge).
#![allow(missing_docs, dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Register,
    Authorize,
    Token,
    Revoke,
}
#[derive(Clone, Copy, Debug)]
pub struct Quota {
    pub requests: u32,
    pub per: std::time::Duration,
}
#[derive(Clone, Debug)]
pub struct RateLimits {
    pub register: Quota,
    pub authorize: Quota,
    pub token: Quota,
    pub revoke: Quota,
}
impl Default for RateLimits {
    fn default() -> Self {
        let q = |r, s| Quota { requests: r, per: std::time::Duration::from_secs(s) };
        Self { register: q(20, 3600), authorize: q(100, 900), token: q(50, 900), revoke: q(50, 900) }
    }
}
#[derive(Debug)]
pub(crate) struct Limiter;
impl Limiter {
    pub(crate) fn new(_l: RateLimits) -> Self {
        Self
    }
    pub(crate) fn check(&self, _e: Endpoint, _p: Option<std::net::IpAddr>) -> Result<(), std::time::Duration> {
        Ok(())
    }
}
