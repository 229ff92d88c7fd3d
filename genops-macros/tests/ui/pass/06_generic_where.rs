// Generic functions with where clauses, lifetimes and const generics.
use std::fmt::Debug;
use tracing_subscriber::layer::SubscriberExt;

#[genops::track(team = "ranking")]
fn best<'a, T, K>(items: &'a [T], key: impl Fn(&T) -> K) -> Option<&'a T>
where
    T: Debug,
    K: Ord,
{
    items.iter().max_by_key(|item| key(item))
}

#[genops::track(team = "ranking", err)]
fn first_n<T: Clone, const N: usize>(items: &[T]) -> Result<[T; N], String>
where
    T: Debug,
{
    let slice = items.get(..N).ok_or_else(|| format!("need {N} items"))?;
    Ok(std::array::from_fn(|i| slice[i].clone()))
}

#[genops::track(team = "ranking")]
async fn describe<T>(value: T) -> String
where
    T: Debug + Send,
{
    format!("{value:?}")
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    assert_eq!(best(&["a", "ccc", "bb"], |s| s.len()), Some(&"ccc"));
    assert_eq!(first_n::<_, 2>(&[1, 2, 3]), Ok([1, 2]));
    assert!(first_n::<u8, 4>(&[1]).is_err());
    assert_eq!(futures::executor::block_on(describe(Some(1))), "Some(1)");

    assert_eq!(ledger.snapshot().total.calls, 4);
}
