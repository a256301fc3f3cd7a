//! Hostile fixture: a well-formed component that imports nothing foreign but does not
//! implement `chap:model/model-runner` (it exports `run` only), to prove such uploads are
//! rejected with what is missing.

wit_bindgen::generate!({
    inline: "
        package evil:impostor;
        world impostor { export run: func() -> u32; }
    ",
});

struct Impostor;

impl Guest for Impostor {
    fn run() -> u32 {
        42
    }
}

export!(Impostor);
