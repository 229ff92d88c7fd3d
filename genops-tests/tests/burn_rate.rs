//! Burn-rate forecasts: a budget's spend rate over its recent interval, when it runs out at that
//! rate, and the forecast alert, driven by a manual clock. A per-value budget forecasts each
//! value against its own limit, and alerts once per window for each value.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use genops::semconv::GENOPS_POLICY_RESULT;
use genops::{
    Budget, BudgetAlert, BudgetForecast, Dimension, GenOpsLayer, ManualClock, Scope, Usd,
};
use support::capture_with;

#[genops::track(team = "search", provider = "openai", operation = "generate_content")]
fn spend(usd: f64) {
    genops::record_cost(usd);
}

#[genops::track(team = "search", customer = customer, provider = "openai", operation = "chat")]
fn spend_for(customer: &str, usd: f64) {
    genops::record_cost(usd);
}

/// The start of a UTC day.
fn midnight() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(20_000 * 86_400)
}

fn minute(n: u64) -> SystemTime {
    midnight() + Duration::from_secs(n * 60)
}

/// Nanoseconds of `remaining` dollars at `per_interval` dollars an hour, both in thousandths of
/// a dollar: the exact forecast, rounded down as the engine rounds it.
fn hours_of(remaining_mills: u128, per_hour_mills: u128) -> Duration {
    Duration::from_nanos((remaining_mills * 3_600_000_000_000 / per_hour_mills) as u64)
}

/// Alerts delivered so far.
type Alerts = Arc<Mutex<Vec<BudgetAlert>>>;

/// A layer with `budget`, on a manual clock at midnight, keeping the alerts it fires.
fn alerting(budget: Budget) -> (ManualClock, Alerts, GenOpsLayer) {
    let clock = ManualClock::at(midnight());
    let alerts = Alerts::default();
    let seen = alerts.clone();
    let layer = GenOpsLayer::builder()
        .clock(clock.clone())
        .budget(budget)
        .on_alert(move |a| seen.lock().unwrap().push(a.clone()))
        .build();
    (clock, alerts, layer)
}

#[test]
fn the_forecast_is_exact_for_steady_spend_and_a_spike_alerts_once_per_window() {
    let (clock, alerts, layer) = alerting(
        Budget::daily("search-daily", Scope::team("search"), Usd(200.0)).alert_on_forecast(),
    );
    let budgets = layer.clone();
    let forecast = move || budgets.budget_forecasts().remove(0);
    let (_, cap, _) = capture_with(layer, true, || {
        assert_eq!(forecast().exhausted_in, None, "nothing spent yet");
        // Steady: $0.10 a minute, $6 an hour.
        for n in 1..=120 {
            clock.set(minute(n));
            spend(0.10);
            if n == 60 {
                // $194 left at $6 an hour.
                assert_eq!(forecast().exhausted_in, Some(Duration::from_secs(116_400)));
            }
        }
        let steady = forecast();
        assert_eq!(steady.usd_per_hour, 6.0);
        assert_eq!(steady.interval, Duration::from_secs(3_600));
        // $188 left at $6 an hour: 31 h 20 min, after the day ends; no alert.
        assert_eq!(steady.exhausted_in, Some(Duration::from_secs(112_800)));
        assert!(alerts.lock().unwrap().is_empty());

        // A spike of $30: the last hour spent $35.90, and the $158 left lasts 4.4 h at that rate.
        clock.set(minute(121));
        spend(30.0);
        let spiked = hours_of(158_000, 35_900);
        assert_eq!(forecast().exhausted_in, Some(spiked));
        // Spending on at the spiked rate alerts no more in this window.
        for n in 122..=130 {
            clock.set(minute(n));
            spend(1.0);
        }
        let fired = alerts.lock().unwrap().clone();
        assert_eq!(fired.len(), 1, "{fired:?}");
        let alert = &fired[0];
        assert_eq!(alert.budget, "search-daily");
        assert_eq!(alert.spent, 42.0);
        let carried = alert.forecast.as_ref().expect("a forecast alert");
        assert_eq!(carried.exhausted_in, Some(spiked));
        assert_eq!(carried.spent_in_interval, 35.9);

        // The next day is a new window: a spike there alerts again.
        clock.set(minute(24 * 60 + 1));
        spend(60.0);
        assert_eq!(alerts.lock().unwrap().len(), 2);
        let next = forecast();
        // $140 left at $60 an hour.
        assert_eq!(next.exhausted_in, Some(Duration::from_secs(8_400)));
    });
    // A forecast alert is about the budget, not the call: the call that fired it is allowed.
    let spans = cap.spans();
    assert_eq!(spans[120].field(GENOPS_POLICY_RESULT).str(), "allowed");
    let warnings = cap
        .events()
        .into_iter()
        .filter(|(m, _)| m == "budget forecast to run out before its window ends")
        .count();
    assert_eq!(warnings, 2);
}

#[test]
fn without_the_alert_a_budget_is_still_forecast_over_its_own_interval() {
    let clock = ManualClock::at(minute(0));
    let alerts = Arc::new(Mutex::new(0));
    let seen = alerts.clone();
    let layer = GenOpsLayer::builder()
        .clock(clock.clone())
        .budget(
            Budget::daily("d", Scope::all(), Usd(10.0)).burn_rate_over(Duration::from_secs(600)),
        )
        .on_alert(move |_| *seen.lock().unwrap() += 1)
        .build();
    let budgets = layer.clone();
    capture_with(layer, true, || {
        clock.set(minute(1));
        spend(1.0);
        clock.set(minute(5));
        spend(1.0);
        // $2 in the last 10 minutes: $12 an hour, $8 left lasts 40 minutes.
        let forecast = budgets.budget_forecasts().remove(0);
        assert_eq!(forecast.usd_per_hour, 12.0);
        assert_eq!(forecast.exhausted_in, Some(Duration::from_secs(2_400)));
        // Ten minutes after the first call, only the second is in the interval.
        clock.set(minute(11));
        let forecast = budgets.budget_forecasts().remove(0);
        assert_eq!(forecast.exhausted_in, Some(Duration::from_secs(4_800)));
        clock.set(minute(16));
        assert_eq!(budgets.budget_forecasts()[0].exhausted_in, None);
    });
    assert_eq!(*alerts.lock().unwrap(), 0, "the forecast alert is opt-in");
}

#[test]
fn each_customer_is_forecast_on_its_own_and_alerts_once_per_window_on_its_spike() {
    let (clock, alerts, layer) = alerting(
        Budget::daily_per(Dimension::Customer, Usd(200.0))
            .named("customer-daily")
            .alert_on_forecast(),
    );
    let budgets = layer.clone();
    let forecast = move |customer: &str| -> BudgetForecast {
        let all = budgets.budget_forecasts();
        assert!(all.iter().all(|f| f.budget == "customer-daily"), "{all:?}");
        all.into_iter()
            .find(|f| f.value.as_deref() == Some(customer))
            .unwrap_or_else(|| panic!("no forecast for {customer}"))
    };
    capture_with(layer, true, || {
        // Steady: acme $0.10 a minute ($6 an hour), beta $0.05 ($3 an hour).
        for n in 1..=120 {
            clock.set(minute(n));
            spend_for("acme", 0.10);
            spend_for("beta", 0.05);
            if n == 60 {
                // acme: $194 left at $6 an hour; beta: $197 at $3 an hour.
                assert_eq!(
                    forecast("acme").exhausted_in,
                    Some(Duration::from_secs(116_400))
                );
                assert_eq!(
                    forecast("beta").exhausted_in,
                    Some(Duration::from_secs(236_400))
                );
            }
        }
        let (acme, beta) = (forecast("acme"), forecast("beta"));
        assert_eq!((acme.usd_per_hour, beta.usd_per_hour), (6.0, 3.0));
        // After the day ends, both: no alert.
        assert_eq!(acme.exhausted_in, Some(Duration::from_secs(112_800)));
        assert_eq!(beta.exhausted_in, Some(Duration::from_secs(232_800)));
        assert!(alerts.lock().unwrap().is_empty());

        // acme spikes by $30: its last hour spent $35.90, and its $158 left lasts 4.4 h.
        clock.set(minute(121));
        spend_for("acme", 30.0);
        let acme_spike = hours_of(158_000, 35_900);
        assert_eq!(forecast("acme").exhausted_in, Some(acme_spike));
        // beta's forecast is its own, untouched.
        assert_eq!(
            forecast("beta").exhausted_in,
            Some(hours_of(194_000, 2_950))
        );
        // Spending on at the spiked rate alerts no more for acme in this window.
        for n in 122..=130 {
            clock.set(minute(n));
            spend_for("acme", 1.0);
            spend_for("beta", 0.05);
        }
        {
            let fired = alerts.lock().unwrap();
            assert_eq!(fired.len(), 1, "{fired:?}");
            assert_eq!(fired[0].budget, "customer-daily");
            assert_eq!(fired[0].value.as_deref(), Some("acme"));
            assert_eq!(fired[0].spent, 42.0);
            let carried = fired[0].forecast.as_ref().expect("a forecast alert");
            assert_eq!(carried.value.as_deref(), Some("acme"));
            assert_eq!(carried.exhausted_in, Some(acme_spike));
        }

        // beta spikes by $100: $102.90 in its last hour, $93.55 left. It alerts once too.
        clock.set(minute(131));
        spend_for("beta", 100.0);
        clock.set(minute(132));
        spend_for("beta", 1.0);
        let fired = alerts.lock().unwrap().clone();
        assert_eq!(fired.len(), 2, "{fired:?}");
        assert_eq!(fired[1].value.as_deref(), Some("beta"));
        let carried = fired[1].forecast.as_ref().expect("a forecast alert");
        assert_eq!(carried.exhausted_in, Some(hours_of(93_550, 102_900)));
    });
}
