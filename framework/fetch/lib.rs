//! Empty: this package exists only to fetch the framework's releases (see Cargo.toml).
