//! The two registration macros: `export_model!` for a `ModelRunner` type and
//! `export_functional_model!` for two plain functions (it writes the runner for you).

/// Exports a [`ModelRunner`](crate::ModelRunner) as this component's model:
/// `chapwasm_sdk::export_model!(MyRunner);` once, at the crate root.
#[macro_export]
macro_rules! export_model {
    ($runner:ty) => {
        #[doc(hidden)]
        type __ChapwasmExport = $crate::Export<$runner>;
        $crate::bindings::__export_model_runner!(__ChapwasmExport with_types_in $crate::bindings);
    };
}

/// Exports two plain functions as this component's model (the spec's
/// FunctionalModelRunner):
///
/// ```ignore
/// chapwasm_sdk::export_functional_model! {
///     info: || ModelInfo::new("my-model"),
///     config: Config,
///     model: Model,
///     train: train,     // fn(&Config, &DataFrame, Option<&Geo>) -> Result<Model, ModelError>
///     predict: predict, // fn(&Config, Model, &DataFrame, DataFrame, Option<&Geo>) -> Result<DataFrame, ModelError>
/// }
/// ```
#[macro_export]
macro_rules! export_functional_model {
    (
        info: $info:expr,
        config: $config:ty,
        model: $model:ty,
        train: $train:path,
        predict: $predict:path $(,)?
    ) => {
        #[doc(hidden)]
        #[derive(Default)]
        struct __ChapwasmFunctionalModel;

        impl $crate::ModelRunner for __ChapwasmFunctionalModel {
            type Config = $config;
            type Model = $model;

            fn info() -> $crate::ModelInfo {
                ($info)()
            }

            fn train(
                &mut self,
                config: &$config,
                data: &$crate::DataFrame,
                geo: Option<&$crate::Geo>,
            ) -> Result<$model, $crate::ModelError> {
                $train(config, data, geo)
            }

            fn predict(
                &mut self,
                config: &$config,
                model: $model,
                historic: &$crate::DataFrame,
                future: $crate::DataFrame,
                geo: Option<&$crate::Geo>,
            ) -> Result<$crate::DataFrame, $crate::ModelError> {
                $predict(config, model, historic, future, geo)
            }
        }

        $crate::export_model!(__ChapwasmFunctionalModel);
    };
}
