//! A valid WebAssembly component that is not a fasthooks plugin (it exports `wasi:cli/run`).
fn main() {
    println!("I am a command, not a hook plugin");
}
