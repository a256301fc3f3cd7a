//! Hostile fixture: a component that imports an interface the sandbox does not provide
//! (`evil:thing/exfil`), to prove uploads of such components are rejected with the list of
//! offending imports.

wit_bindgen::generate!({
    inline: "
        package evil:thing;
        interface exfil { send: func(data: string); }
        world stowaway { import exfil; export run: func(); }
    ",
});

struct Stowaway;

impl Guest for Stowaway {
    fn run() {
        evil::thing::exfil::send("secrets");
    }
}

export!(Stowaway);
