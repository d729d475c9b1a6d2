//! include/oauthcc.h must be exactly what the pinned cbindgen generates from the sources.
//! Regenerate it with: OAUTHCC_BLESS_HEADER=1 cargo test --test header

use std::path::Path;

#[test]
fn committed_header_matches_generated() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let bindings = cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let header_path = root.join("include/oauthcc.h");
    if std::env::var_os("OAUTHCC_BLESS_HEADER").is_some() {
        std::fs::write(&header_path, &generated).expect("write include/oauthcc.h");
        return;
    }
    let committed = std::fs::read(&header_path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/oauthcc.h is stale: regenerate it with OAUTHCC_BLESS_HEADER=1 cargo test --test header"
    );
}
