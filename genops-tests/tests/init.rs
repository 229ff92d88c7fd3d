//! `genops::init()`: bad settings are clear errors, the installed layer reads its defaults from
//! the environment and code, and installing twice is an error, not a panic. One test, because
//! the global subscriber and the environment are process-wide.

use genops::{InitError, Usage};

#[genops::track(provider = "openai", model = "house-model")]
fn aliased() {
    genops::record_usage(Usage::new(1_000, 100));
}

#[genops::track(provider = "openai", model = "gpt-4o-mini")]
fn overridden() {
    genops::record_usage(Usage::new(1_000, 100));
}

#[test]
fn install_errors_defaults_and_reinstall() {
    let dir = std::env::temp_dir().join(format!("genops-init-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // A missing price file names the file.
    let missing = dir.join("missing.json");
    let err = genops::init().pricing_file(&missing).install().unwrap_err();
    assert!(matches!(err, InitError::Pricing(_)));
    assert!(err.to_string().contains("missing.json"), "{err}");
    // `main() -> Result<(), InitError>` prints Debug: the message, then its cause, once each.
    let debug = format!("{err:?}");
    assert!(debug.starts_with(&err.to_string()), "{debug}");
    assert!(debug.contains("\n\nCaused by:\n    "), "{debug}");
    assert_eq!(debug.matches("could not be read").count(), 1, "{debug}");

    // A malformed price file names the file and the entry.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"gpt-4o": {"input_cost_per_token": "cheap"}}"#).unwrap();
    std::env::set_var("GENOPS_PRICING_FILE", &bad);
    let err = genops::init().install().unwrap_err().to_string();
    assert!(
        err.contains("bad.json")
            && err.contains("`gpt-4o`")
            && err.contains("input_cost_per_token"),
        "{err}"
    );
    std::env::remove_var("GENOPS_PRICING_FILE");

    // An empty variable counts as unset, like every other: no price file is read.
    std::env::set_var("GENOPS_PRICING_FILE", "");
    std::env::set_var("GENOPS_METRICS_ADDR", " ");
    genops::init()
        .build_layer()
        .expect("an empty GENOPS_PRICING_FILE is no price file");
    std::env::remove_var("GENOPS_PRICING_FILE");
    std::env::remove_var("GENOPS_METRICS_ADDR");

    // A malformed log filter names its variable.
    std::env::set_var("GENOPS_LOG_LEVEL", "genops=notalevel");
    let err = genops::init().install().unwrap_err();
    assert!(
        matches!(
            err,
            InitError::Env {
                var: "GENOPS_LOG_LEVEL",
                ..
            }
        ),
        "{err}"
    );
    std::env::remove_var("GENOPS_LOG_LEVEL");

    // A negative compute rate is refused.
    let err = genops::init()
        .local_compute_rate(-1.0)
        .install()
        .unwrap_err();
    assert!(err.to_string().contains("local_compute_rate"), "{err}");

    // A good installation: env and code defaults, an override file and an alias.
    let prices = dir.join("prices.json");
    // gpt-4o-mini's output price raised to $1.00/M; its input price stays $0.15/M.
    std::fs::write(
        &prices,
        r#"{"gpt-4o-mini": {"output_cost_per_token": 1e-6}}"#,
    )
    .unwrap();
    std::env::set_var("GENOPS_TEAM", "env-team");
    std::env::set_var("GENOPS_PROJECT", "env-project");
    let guard = genops::init()
        .project("code-project")
        .pricing_file(&prices)
        .model_alias("house-model", "gpt-4o")
        .log_output(false)
        .install()
        .expect("first install");
    std::env::remove_var("GENOPS_TEAM");
    std::env::remove_var("GENOPS_PROJECT");

    // The global subscriber serves every thread.
    std::thread::spawn(aliased).join().unwrap();
    overridden();
    let snap = guard.ledger().snapshot();
    assert_eq!(snap.total.calls, 2);
    assert_eq!(snap.by_team["env-team"].calls, 2);
    assert_eq!(
        snap.by_project["code-project"].calls, 2,
        "code defaults win over env"
    );
    // house-model → gpt-4o: 1,000 × $2.50/M + 100 × $10/M = $0.0035
    assert_eq!(snap.by_model["house-model"].cost.nanos(), 3_500_000);
    // gpt-4o-mini overridden: 1,000 × $0.15/M + 100 × $1.00/M = $0.00025
    assert_eq!(snap.by_model["gpt-4o-mini"].cost.nanos(), 250_000);

    // Installing twice is an error, not a panic.
    let err = genops::init().log_output(false).install().unwrap_err();
    assert!(matches!(err, InitError::AlreadyInstalled));
    assert!(err.to_string().contains("already installed"));
    drop(guard);
    std::fs::remove_dir_all(&dir).ok();
}
