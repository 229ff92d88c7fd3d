fn main() {
    let call = genops::span!(team = "search", err);
    drop(call);
}
