//! Small cryptographic helpers of the authorization server, all on `aws-lc-rs`: random
//! tokens, hashes for storing secrets by digest, PKCE, constant-time comparison and the HMAC
//! that signs its cookies.

use aws_lc_rs::rand::SecureRandom as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `bytes` random bytes, base64url without padding (32 bytes: 256 bits, 43 characters).
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The system generator fails only when the OS has no entropy source at all.
    if aws_lc_rs::rand::SystemRandom::new().fill(&mut buf).is_err() {
        panic!("the operating system's random number generator failed");
    }
    URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of `text`, base64url: how secrets (codes, refresh tokens) are keyed in the store,
/// so that a leak of the store leaks no usable token.
pub(crate) fn digest(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes()))
}

/// Whether `verifier` is a valid RFC 7636 code verifier whose S256 challenge is `challenge`.
pub(crate) fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && constant_time_eq(digest(verifier).as_bytes(), challenge.as_bytes())
}

/// Whether `challenge` looks like an S256 challenge: 43 base64url characters.
pub(crate) fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// Signs short strings (cookie values) with a server secret.
#[derive(Clone)]
pub(crate) struct Signer {
    key: aws_lc_rs::hmac::Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer")
    }
}

impl Signer {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self { key: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret) }
    }

    /// The signature of `purpose` and `value` together (so a signature made for one purpose
    /// is worth nothing for another).
    pub(crate) fn sign(&self, purpose: &str, value: &str) -> String {
        let message = format!("{purpose}\n{value}");
        URL_SAFE_NO_PAD.encode(aws_lc_rs::hmac::sign(&self.key, message.as_bytes()))
    }

    pub(crate) fn verify(&self, purpose: &str, value: &str, signature: &str) -> bool {
        constant_time_eq(self.sign(purpose, value).as_bytes(), signature.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(is_s256_challenge(challenge));
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK", challenge));
        assert!(!pkce_matches("short", challenge));
        assert!(!is_s256_challenge("plain-verifier"));
    }

    #[test]
    fn tokens_are_random_and_url_safe() {
        let a = random_token(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(32));
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }

    #[test]
    fn signatures_bind_purpose_and_value() {
        let signer = Signer::new(b"secret");
        let sig = signer.sign("txn", "abc");
        assert!(signer.verify("txn", "abc", &sig));
        assert!(!signer.verify("binding", "abc", &sig));
        assert!(!signer.verify("txn", "abd", &sig));
        assert!(!Signer::new(b"other").verify("txn", "abc", &sig));
    }
}
