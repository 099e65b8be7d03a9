//! Mailbox providers: which company receives a delivery, from the relay
//! (MX) host it was handed to or, without one, the recipient's domain. The
//! table is data, `rules/providers.toml`, compiled into the binary.

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../rules/providers.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    provider: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    relays: Vec<String>,
    domains: Vec<String>,
}

/// The provider table: relay-host suffixes and recipient domains → name.
#[derive(Debug, Default)]
pub struct Providers {
    names: Vec<String>,
    relays: HashMap<String, usize>,
    domains: HashMap<String, usize>,
}

impl Providers {
    /// Parses a table in the format of `rules/providers.toml`; `what` names
    /// it in errors. A suffix or domain listed twice is an error (which
    /// provider would it be?).
    pub fn parse(text: &str, what: &str) -> Result<Providers, String> {
        let file: File = toml::from_str(text).map_err(|e| format!("{what}: {e}"))?;
        let mut p = Providers::default();
        for (i, entry) in file.provider.into_iter().enumerate() {
            if entry.name.trim().is_empty() {
                return Err(format!("{what}: provider {} has an empty name", i + 1));
            }
            for (list, map) in [(entry.relays, &mut p.relays), (entry.domains, &mut p.domains)] {
                for key in list {
                    let key = normalize(&key).into_owned();
                    if let Some(&other) = map.get(&key) {
                        return Err(format!(
                            "{what}: `{key}` is listed for both {} and {}",
                            p.names[other], entry.name
                        ));
                    }
                    map.insert(key, i);
                }
            }
            p.names.push(entry.name);
        }
        Ok(p)
    }

    /// The table in `rules/providers.toml` (parsed on first use; a unit test
    /// keeps it valid, so the empty fallback is never seen).
    pub fn builtin() -> &'static Providers {
        static TABLE: OnceLock<Providers> = OnceLock::new();
        TABLE.get_or_init(|| Providers::parse(BUILTIN, "rules/providers.toml").unwrap_or_default())
    }

    /// The provider of a relay host (`aspmx.l.google.com`), by its longest
    /// listed suffix on a label boundary.
    pub fn by_relay(&self, host: &str) -> Option<&str> {
        let host = normalize(host);
        let mut rest: &str = &host;
        loop {
            if let Some(&i) = self.relays.get(rest) {
                return Some(&self.names[i]);
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// The provider of a recipient domain (`hotmail.co.uk`), exact names only.
    pub fn by_domain(&self, domain: &str) -> Option<&str> {
        let i = *self.domains.get(&*normalize(domain))?;
        Some(&self.names[i])
    }

    /// Relay first (the MX tells who really receives a company's domain),
    /// then the recipient domain (ESP exports have no relay; a smarthost of
    /// our own is no provider).
    pub fn find(&self, relay: Option<&str>, domain: &str) -> Option<&str> {
        relay
            .and_then(|r| self.by_relay(r))
            .or_else(|| self.by_domain(domain))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }
}

/// Lower-cased, without a trailing dot; borrowed when it already is (the
/// correlator lower-cases recipients and relays, so lookups per delivery
/// allocate nothing).
fn normalize(name: &str) -> std::borrow::Cow<'_, str> {
    let t = name.trim().trim_end_matches('.');
    if t.bytes().any(|b| b.is_ascii_uppercase()) {
        t.to_ascii_lowercase().into()
    } else {
        t.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_is_valid() {
        let p = Providers::parse(BUILTIN, "rules/providers.toml").expect("valid table");
        assert!(p.names().count() >= 15);
        assert_eq!(Providers::builtin().names().count(), p.names().count());
    }

    #[test]
    fn relays_match_on_label_boundaries() {
        let p = Providers::builtin();
        assert_eq!(p.by_relay("gmail-smtp-in.l.google.com"), Some("Google"));
        assert_eq!(p.by_relay("ASPMX.L.GOOGLE.COM."), Some("Google"));
        assert_eq!(p.by_relay("smtp.google.com"), Some("Google"));
        assert_eq!(
            p.by_relay("outlook-com.olc.protection.outlook.com"),
            Some("Microsoft")
        );
        assert_eq!(
            p.by_relay("shop-example.mail.protection.outlook.com"),
            Some("Microsoft")
        );
        assert_eq!(p.by_relay("mta7.am0.yahoodns.net"), Some("Yahoo"));
        assert_eq!(p.by_relay("mx01.mail.icloud.com"), Some("Apple"));
        assert_eq!(p.by_relay("mx-ha02.web.de"), Some("GMX/web.de"));
        assert_eq!(p.by_relay("mx00.emig.gmx.net"), Some("GMX/web.de"));
        assert_eq!(p.by_relay("smtp-in.orange.fr"), Some("Orange"));
        assert_eq!(p.by_relay("mailsec.protonmail.ch"), Some("Proton"));
        assert_eq!(p.by_relay("mx.zohomail.eu"), Some("Zoho"));
        assert_eq!(p.by_relay("in1-smtp.messagingengine.com"), Some("Fastmail"));
        assert_eq!(p.by_relay("eu-smtp-inbound-1.mimecast.com"), Some("Mimecast"));
        assert_eq!(p.by_relay("mx0a-00123.pphosted.com"), Some("Proofpoint"));
        assert_eq!(p.by_relay("d123.ess.barracudanetworks.com"), Some("Barracuda"));
        // Not a label boundary, or a submission service.
        assert_eq!(p.by_relay("notgoogle.com"), None);
        assert_eq!(p.by_relay("smtp-relay.gmail.com"), None);
        assert_eq!(p.by_relay("smtp.office365.com"), None);
        assert_eq!(p.by_relay(""), None);
        assert_eq!(p.by_relay("."), None);
    }

    #[test]
    fn domains_are_exact_and_relay_comes_first() {
        let p = Providers::builtin();
        assert_eq!(p.by_domain("hotmail.co.uk"), Some("Microsoft"));
        assert_eq!(p.by_domain("GMAIL.com"), Some("Google"));
        assert_eq!(p.by_domain("mail.gmail.com"), None);
        assert_eq!(p.find(Some("aspmx.l.google.com"), "shop.example"), Some("Google"));
        assert_eq!(
            p.find(Some("smarthost.corp.example"), "gmail.com"),
            Some("Google")
        );
        assert_eq!(p.find(None, "smallbiz.example"), None);
    }

    #[test]
    fn a_key_listed_twice_is_an_error() {
        let t = "[[provider]]\nname='A'\nrelays=['x.com']\ndomains=[]\n[[provider]]\nname='B'\nrelays=['X.com']\ndomains=[]\n";
        let e = Providers::parse(t, "p.toml").unwrap_err();
        assert!(e.contains("x.com") && e.contains("A") && e.contains("B"), "{e}");
        assert!(Providers::parse("[[provider]]\nname='A'\n", "p.toml").is_err());
    }
}
