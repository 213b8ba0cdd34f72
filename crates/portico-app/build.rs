//! Translations are embedded at compile time (`i18n.rs`), so a changed `.ftl` file must rebuild this crate.

fn main() {
    println!("cargo:rerun-if-changed=../../locales");
    println!("cargo:rerun-if-changed=build.rs");
}
