//! Shapes that once broke the expansion: a borrow returned through `err`, an inner attribute,
//! and coercions in async and `err` bodies.

struct Store {
    items: Vec<u32>,
}

impl Store {
    #[genops::track(team = "t", err)]
    fn slot(&mut self, i: usize) -> Result<&mut u32, String> {
        self.items.get_mut(i).ok_or_else(|| "none".to_owned())
    }
}

#[genops::track(team = "t")]
fn inner_attribute() -> u32 {
    #![allow(unused_variables)]
    let unused = 1;
    2
}

#[genops::track(team = "t", err)]
async fn coerced_async() -> Result<Box<dyn std::fmt::Debug>, String> {
    Ok(Box::new(5))
}

#[genops::track(team = "t", err)]
fn coerced_sync() -> Result<Box<dyn std::fmt::Debug>, String> {
    Ok(Box::new(5))
}

#[genops::track(team = "t")]
async fn coerced_return() -> Box<dyn std::fmt::Debug> {
    if true {
        return Box::new("early");
    }
    Box::new(1)
}

fn main() {
    let mut store = Store { items: vec![1, 2] };
    *store.slot(1).unwrap() += 1;
    assert_eq!(store.items[1], 3);
    assert_eq!(inner_attribute(), 2);
    assert!(futures::executor::block_on(coerced_async()).is_ok());
    assert!(coerced_sync().is_ok());
    let _ = futures::executor::block_on(coerced_return());
}
