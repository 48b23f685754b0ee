//! What `cabbageGet` and its kin read about widgets: the plugin hands the engine a
//! [`WidgetTable`] of the orchestra's widgets before it compiles, by the names of both
//! Cabbage syntaxes (Cabbage 2's `width`, `sliderSkew`, `fontColour`; Cabbage 3's
//! `bounds.width`, `range.skew`, `style.fontColor`).
//!
//! The opcodes read it on Csound's performing thread, and `cabbageSet` changes its numbers in
//! place there (found at init, same length, no allocation), so a later `cabbageGet` sees it.

/// One widget: its channels and what its identifiers hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WidgetEntry {
    /// Its channels (the first names it), and Cabbage 3's `id`.
    pub channels: Vec<String>,
    /// Numeric identifiers by canonical name (`canonical`): `bounds` (4: left, top, width,
    /// height), `range` (5: min, max, value, skew, increment), colours (4: r, g, b, a, 0-255),
    /// and one-number ones (`visible`, `active`, `automatable`, `tablenumber`...).
    pub numbers: Vec<(String, Vec<f64>)>,
    /// Text identifiers by canonical name: `text` (a combobox's entries are `items`), `items`,
    /// `type`, `file`, `channel`...
    pub texts: Vec<(String, Vec<String>)>,
}

/// Every widget of the orchestra's `<Cabbage>` section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WidgetTable {
    pub widgets: Vec<WidgetEntry>,
}

/// One-number identifiers that live inside an array identifier: (name, array, index).
const INSIDE: &[(&[u8], &[u8], usize)] = &[
    (b"left", b"bounds", 0),
    (b"x", b"bounds", 0),
    (b"top", b"bounds", 1),
    (b"y", b"bounds", 1),
    (b"width", b"bounds", 2),
    (b"height", b"bounds", 3),
    (b"min", b"range", 0),
    (b"max", b"range", 1),
    (b"value", b"range", 2),
    (b"defaultvalue", b"range", 2),
    (b"skew", b"range", 3),
    (b"sliderskew", b"range", 3),
    (b"increment", b"range", 4),
];

/// Names both syntaxes use for the same identifier, and what the table calls it.
const ALIASES: &[(&[u8], &[u8])] = &[
    (b"colour", b"colour"),
    (b"color", b"colour"),
    (b"colour:0", b"colour"),
    (b"color:0", b"colour"),
    (b"backgroundcolour", b"colour"),
    (b"style.backgroundcolor", b"colour"),
    (b"fontcolour", b"fontcolour"),
    (b"fontcolor", b"fontcolour"),
    (b"fontcolour:0", b"fontcolour"),
    (b"style.fontcolor", b"fontcolour"),
    (b"colour:1", b"trackercolour"),
    (b"color:1", b"trackercolour"),
    (b"trackercolour", b"trackercolour"),
    (b"trackercolor", b"trackercolour"),
    (b"style.trackercolor", b"trackercolour"),
    (b"outlinecolour", b"outlinecolour"),
    (b"outlinecolor", b"outlinecolour"),
    (b"style.bordercolor", b"outlinecolour"),
    (b"label.text", b"text"),
    (b"label", b"text"),
    (b"caption", b"text"),
    (b"id", b"channel"),
    (b"tablenumber", b"tablenumber"),
    (b"tablenumbers", b"tablenumber"),
];

/// The identifier as the table names it: lower case, Cabbage 3's dotted paths for bounds and
/// range made plain (`bounds.width` is `width`), aliases resolved. Written into `out` (no
/// allocation); returns its length.
pub fn canonical(identifier: &[u8], out: &mut [u8; 48]) -> usize {
    let n = identifier.len().min(out.len());
    for (o, c) in out.iter_mut().zip(&identifier[..n]) {
        *o = c.to_ascii_lowercase();
    }
    let mut start = 0;
    for prefix in [
        &b"bounds."[..],
        b"channels.0.range.",
        b"range.",
        b"channels.0.",
    ] {
        if out[start..n].starts_with(prefix) {
            start += prefix.len();
        }
    }
    let alias = ALIASES
        .iter()
        .find(|(a, _)| *a == &out[start..n])
        .map(|(_, to)| *to);
    match alias {
        Some(to) => {
            out[..to.len()].copy_from_slice(to);
            to.len()
        }
        None => {
            out.copy_within(start..n, 0);
            n - start
        }
    }
}

impl WidgetEntry {
    /// The numbers of an identifier (canonical name): an array identifier whole, a part of one
    /// (`width`), or a one-number identifier.
    pub fn numbers_of(&self, name: &[u8]) -> Option<&[f64]> {
        if let Some((_, array, i)) = INSIDE.iter().find(|(n, _, _)| *n == name) {
            let values = self.array(array)?;
            return values.get(*i..*i + 1);
        }
        self.array(name)
    }

    fn array(&self, name: &[u8]) -> Option<&[f64]> {
        self.numbers
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The texts of an identifier (canonical name).
    pub fn texts_of(&self, name: &[u8]) -> Option<&[String]> {
        self.texts
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The numbers an identifier names, to change in place (`top` is one number of `bounds`).
    pub fn numbers_mut(&mut self, name: &[u8]) -> Option<&mut [f64]> {
        let (array, part): (&[u8], Option<usize>) = match INSIDE.iter().find(|(n, _, _)| *n == name)
        {
            Some((_, array, i)) => (array, Some(*i)),
            None => (name, None),
        };
        let (_, stored) = self
            .numbers
            .iter_mut()
            .find(|(n, _)| n.as_bytes() == array)?;
        match part {
            Some(i) => stored.get_mut(i..i + 1),
            None => Some(stored.as_mut_slice()),
        }
    }
}

impl WidgetTable {
    /// The widget a channel (or Cabbage 3 `id`) names.
    pub fn find(&self, channel: &[u8]) -> Option<&WidgetEntry> {
        self.widgets
            .iter()
            .find(|w| w.channels.iter().any(|c| c.as_bytes() == channel))
    }

    /// As [`find`](Self::find), to change it.
    pub fn find_mut(&mut self, channel: &[u8]) -> Option<&mut WidgetEntry> {
        self.widgets
            .iter_mut()
            .find(|w| w.channels.iter().any(|c| c.as_bytes() == channel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(identifier: &str) -> String {
        let mut out = [0; 48];
        let n = canonical(identifier.as_bytes(), &mut out);
        String::from_utf8_lossy(&out[..n]).into_owned()
    }

    #[test]
    fn both_syntaxes_name_the_same_identifiers() {
        assert_eq!(name("bounds.width"), "width");
        assert_eq!(name("width"), "width");
        assert_eq!(name("sliderSkew"), "sliderskew");
        assert_eq!(name("range.defaultValue"), "defaultvalue");
        assert_eq!(name("style.fontColor"), "fontcolour");
        assert_eq!(name("fontColour:0"), "fontcolour");
        assert_eq!(name("colour:1"), "trackercolour");
        assert_eq!(name("label.text"), "text");
        assert_eq!(name("bounds"), "bounds");
    }

    #[test]
    fn parts_of_arrays_and_in_place_updates() {
        let mut entry = WidgetEntry {
            channels: vec!["gain".into()],
            numbers: vec![
                ("bounds".into(), vec![1.0, 2.0, 3.0, 4.0]),
                ("range".into(), vec![0.0, 1.0, 0.5, 1.0, 0.01]),
            ],
            texts: vec![("text".into(), vec!["Gain".into()])],
        };
        assert_eq!(entry.numbers_of(b"width"), Some(&[3.0][..]));
        assert_eq!(entry.numbers_of(b"sliderskew"), Some(&[1.0][..]));
        assert_eq!(entry.numbers_of(b"bounds").map(<[f64]>::len), Some(4));
        entry
            .numbers_mut(b"bounds")
            .unwrap()
            .copy_from_slice(&[10.0, 20.0, 30.0, 40.0]);
        entry.numbers_mut(b"top").unwrap()[0] = 25.0;
        assert_eq!(
            entry.numbers_of(b"bounds"),
            Some(&[10.0, 25.0, 30.0, 40.0][..])
        );
        assert_eq!(entry.texts_of(b"text"), Some(&["Gain".to_string()][..]));
        let table = WidgetTable {
            widgets: vec![entry],
        };
        assert!(table.find(b"gain").is_some() && table.find(b"other").is_none());
    }
}
