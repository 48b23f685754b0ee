//! The two bindings agree where the layer treats them as one, and both libraries open.

use super::*;
use std::mem::{offset_of, size_of};

#[test]
fn a_missing_csound_6_is_a_message_naming_the_package() {
    let error = open_six("libcsound64-nowhere.so.6.0")
        .err()
        .expect("no such library");
    assert!(error.contains("Csound 6.18 is not installed"), "{error}");
    assert!(error.contains("libcsound64-6.0"), "{error}");
}

#[test]
fn both_versions_open_and_say_which_they_are() {
    for (version, number) in [(Version::Six, 6), (Version::Seven, 7)] {
        let api = Api::of(version).expect("opens");
        assert_eq!(api.version(), version);
        // SAFETY: a query of a constant.
        assert_eq!(unsafe { api.csoundGetVersion() } / 1000, number);
    }
}

#[test]
fn versions_are_named_by_their_keys() {
    for version in Version::ALL {
        assert_eq!(Version::from_key(version.key()), Some(version));
    }
    assert_eq!(Version::from_key("7.0"), Some(Version::Seven));
    assert_eq!(Version::from_key("6.18"), Some(Version::Six));
    assert_eq!(Version::from_key("5"), None);
}

#[test]
fn the_structs_read_through_one_type_have_one_layout() {
    macro_rules! same {
        ($t:ident { $($f:ident),* }) => {
            assert_eq!(size_of::<v6::$t>(), size_of::<v7::$t>(), stringify!($t));
            $(assert_eq!(offset_of!(v6::$t, $f), offset_of!(v7::$t, $f), stringify!($t.$f));)*
        };
    }
    same!(controlChannelHints_t {
        behav,
        dflt,
        min,
        max,
        x,
        y,
        width,
        height,
        attributes
    });
    same!(controlChannelInfo_t { name, type_, hints });
    assert_eq!(offset_of!(v6::TREE, value), offset_of!(v7::TREE, value));
    assert_eq!(offset_of!(v6::TREE, line), offset_of!(v7::TREE, line));
    for (a, b) in [
        (offset_of!(v6::TREE, left), offset_of!(v7::TREE, left)),
        (offset_of!(v6::TREE, right), offset_of!(v7::TREE, right)),
        (offset_of!(v6::TREE, next), offset_of!(v7::TREE, next)),
        (
            offset_of!(v6::ORCTOKEN, lexeme),
            offset_of!(v7::ORCTOKEN, lexeme),
        ),
        (
            offset_of!(v6::STRINGDAT, data),
            offset_of!(v7::STRINGDAT, data),
        ),
        (
            offset_of!(v6::ARRAYDAT, dimensions),
            offset_of!(v7::ARRAYDAT, dimensions),
        ),
        (
            offset_of!(v6::ARRAYDAT, sizes),
            offset_of!(v7::ARRAYDAT, sizes),
        ),
        (
            offset_of!(v6::ARRAYDAT, arrayMemberSize),
            offset_of!(v7::ARRAYDAT, arrayMemberSize),
        ),
        (
            offset_of!(v6::ARRAYDAT, data),
            offset_of!(v7::ARRAYDAT, data),
        ),
    ] {
        assert_eq!(a, b);
    }
    // What differs, and is why opcodes ask the table: 6 and 8 pointers of header.
    let pointer = size_of::<*const u8>();
    assert_eq!(size_of::<v6::OPDS>(), 6 * pointer);
    assert_eq!(size_of::<v7::OPDS>(), 8 * pointer);
}
