//! Bad export and governance configuration is a clear `InitError` from `install()` naming the
//! variable: never a panic, never silently ignored. One test: the environment is process-wide.

use genops::InitError;

fn install_error(vars: &[(&str, &str)]) -> String {
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
    let result = genops::init().log_output(false).install();
    for (k, _) in vars {
        std::env::remove_var(k);
    }
    match result {
        Err(e @ (InitError::Env { .. } | InitError::Invalid { .. })) => e.to_string(),
        Err(other) => panic!("unexpected error kind: {other:?}"),
        Ok(_) => panic!("install succeeded with {vars:?}"),
    }
}

#[test]
fn bad_export_settings_are_init_errors() {
    let err = install_error(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")]);
    assert!(
        err.contains("OTEL_EXPORTER_OTLP_ENDPOINT") && err.contains("invalid endpoint URL"),
        "{err}"
    );

    let err = install_error(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "localhost:4317")]);
    assert!(err.contains("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), "{err}");

    let err = install_error(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"),
    ]);
    assert!(
        err.contains("OTEL_EXPORTER_OTLP_PROTOCOL") && err.contains("carrier-pigeon"),
        "{err}"
    );

    let err = install_error(&[("OTEL_EXPORTER_OTLP_HEADERS", "api-key")]);
    assert!(
        err.contains("OTEL_EXPORTER_OTLP_HEADERS") && err.contains("key=value"),
        "{err}"
    );

    let err = install_error(&[("OTEL_EXPORTER_OTLP_HEADERS", "x-token=%G1")]);
    assert!(err.contains("OTEL_EXPORTER_OTLP_HEADERS"), "{err}");

    let err = install_error(&[("OTEL_TRACES_EXPORTER", "zipkin")]);
    assert!(
        err.contains("OTEL_TRACES_EXPORTER") && err.contains("zipkin"),
        "{err}"
    );

    let err = install_error(&[
        ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "1.5"),
    ]);
    assert!(err.contains("OTEL_TRACES_SAMPLER_ARG"), "{err}");

    let err = install_error(&[("OTEL_TRACES_SAMPLER", "sometimes")]);
    assert!(err.contains("OTEL_TRACES_SAMPLER"), "{err}");

    for var in [
        "OTEL_BSP_MAX_QUEUE_SIZE",
        "OTEL_BSP_SCHEDULE_DELAY",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        "OTEL_BSP_EXPORT_TIMEOUT",
    ] {
        let err = install_error(&[(var, "lots")]);
        assert!(err.contains(var), "{err}");
    }

    let err = install_error(&[("GENOPS_SAMPLING_RATE", "often")]);
    assert!(err.contains("GENOPS_SAMPLING_RATE"), "{err}");
    let err = install_error(&[("GENOPS_SAMPLING_RATE", "1.5")]);
    assert!(err.contains("GENOPS_SAMPLING_RATE"), "{err}");
    let err = install_error(&[
        ("GENOPS_TEAM", "search"),
        ("GENOPS_DAILY_BUDGET_USD", "lots"),
    ]);
    assert!(err.contains("GENOPS_DAILY_BUDGET_USD"), "{err}");
    let err = install_error(&[("GENOPS_DAILY_BUDGET_USD", "100")]);
    assert!(
        err.contains("GENOPS_DAILY_BUDGET_USD") && err.contains("GENOPS_TEAM"),
        "{err}"
    );

    // Well formed, they give the team a daily hard budget.
    std::env::set_var("GENOPS_TEAM", "search");
    std::env::set_var("GENOPS_DAILY_BUDGET_USD", "2.5");
    let layer = genops::init().build_layer().expect("a valid budget");
    std::env::remove_var("GENOPS_TEAM");
    std::env::remove_var("GENOPS_DAILY_BUDGET_USD");
    let budgets = layer.budgets();
    assert_eq!(budgets.len(), 1);
    assert_eq!(
        (budgets[0].name.as_str(), budgets[0].limit, budgets[0].hard),
        ("search-daily", 2.5, true)
    );

    let err = genops::init()
        .log_output(false)
        .sampling_rate(-0.1)
        .install()
        .unwrap_err();
    assert!(err.to_string().contains("sampling_rate"), "{err}");
    let err = genops::init()
        .log_output(false)
        .otlp_endpoint("ftp://x")
        .install()
        .unwrap_err();
    assert!(err.to_string().contains("invalid endpoint URL"), "{err}");
}
