fn main() {
    nice_plug::prelude::nice_export_standalone::<lathe_eq::LatheEq>();
}
