// `unsafe fn` (edition 2021: the body is an unsafe context), with and without `err`.
use tracing_subscriber::layer::SubscriberExt;

#[genops::track(team = "ffi")]
unsafe fn read(pointer: *const u32) -> u32 {
    *pointer
}

#[genops::track(team = "ffi", err)]
unsafe fn read_checked(pointer: *const u32) -> Result<u32, String> {
    if pointer.is_null() {
        return Err("null pointer".to_owned());
    }
    Ok(*pointer + 1)
}

#[genops::track(team = "ffi")]
async unsafe fn read_async(pointer: *const u32) -> u32 {
    *pointer * 2
}

fn main() {
    let layer = genops::layer();
    let ledger = layer.ledger();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let value = 20u32;
    // SAFETY: `value` is alive and aligned for every call.
    unsafe {
        assert_eq!(read(&value), 20);
        assert_eq!(read_checked(&value), Ok(21));
        assert!(read_checked(std::ptr::null()).is_err());
        assert_eq!(futures::executor::block_on(read_async(&value)), 40);
    }

    assert_eq!(ledger.snapshot().total.calls, 4);
}
