;; Hostile fixture, written by hand because no SDK emits it: a component whose core module
;; has five linear memories. `train` grows four of them by 200 MiB each (`predict` does the
;; same), so each memory stays under a per-memory limit while the call holds 800 MiB in
;; all: a memory limit must count every memory of a call together. Assembled by
;; `host/build.rs` into `hoarder.wasm` beside the Rust fixtures.
(component
  (core module $m
    (memory $heap (export "memory") 1)
    (memory $m1 1)
    (memory $m2 1)
    (memory $m3 1)
    (memory $m4 1)
    (global $next (mut i32) (i32.const 4096))

    ;; A bump allocator for the host's arguments (never frees; the instance is per call).
    (func (export "cabi_realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
      (local $ptr i32)
      (local.set $ptr
        (i32.and
          (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (global.set $next (i32.add (local.get $ptr) (local.get $size)))
      (block $done
        (loop $grow
          (br_if $done (i32.le_u (global.get $next) (i32.mul (memory.size $heap) (i32.const 65536))))
          (if (i32.eq (memory.grow $heap (i32.const 16)) (i32.const -1)) (then unreachable))
          (br $grow)))
      (local.get $ptr))

    ;; 200 MiB (3200 pages) more in each of the four other memories.
    (func $hoard
      (drop (memory.grow $m1 (i32.const 3200)))
      (drop (memory.grow $m2 (i32.const 3200)))
      (drop (memory.grow $m3 (i32.const 3200)))
      (drop (memory.grow $m4 (i32.const 3200))))

    ;; model-info at 1024; its strings at 0, 16, 32, 64.
    (data (memory $heap) (i32.const 0) "hoarder")
    (data (memory $heap) (i32.const 16) "0.1.0")
    (data (memory $heap) (i32.const 32) "{\"type\": \"object\"}")
    (data (memory $heap) (i32.const 64) "disease_cases")
    (data (memory $heap) (i32.const 1024)
      "\00\00\00\00" "\07\00\00\00"
      "\10\00\00\00" "\05\00\00\00"
      "\00\00\00\00" "\00\00\00\00"
      "\20\00\00\00" "\12\00\00\00"
      "\40\00\00\00" "\0d\00\00\00"
      "\00\00\00\00" "\00\00\00\00"
      "\01" "\02" "\00" "\00"
      "\00\00\00\00" "\64\00\00\00")
    ;; result<list<u8>, model-error>: ok, an empty list.
    (data (memory $heap) (i32.const 2048) "\00\00\00\00" "\00\00\00\00" "\00\00\00\00" "\00\00\00\00")
    ;; result<data-frame, model-error>: ok, no rows, no columns.
    (data (memory $heap) (i32.const 2064) "\00\00\00\00" "\00\00\00\00" "\00\00\00\00" "\00\00\00\00")

    (func (export "describe") (result i32) (i32.const 1024))
    (func (export "train") (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
      (call $hoard)
      (i32.const 2048))
    (func (export "predict") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
      (call $hoard)
      (i32.const 2064)))
  (core instance $i (instantiate $m))

  (type $column-values' (variant
    (case "f64" (list f64))
    (case "s64" (list s64))
    (case "string" (list string))
    (case "bool" (list bool))))
  (export $column-values "column-values" (type $column-values'))
  (type $column' (record (field "name" string) (field "values" $column-values) (field "validity" (option (list u8)))))
  (export $column "column" (type $column'))
  (type $data-frame' (record (field "num-rows" u32) (field "columns" (list $column))))
  (export $data-frame "data-frame" (type $data-frame'))
  (type $period-type' (enum "weekly" "monthly" "any"))
  (export $period-type "period-type" (type $period-type'))
  (type $model-info' (record
    (field "name" string)
    (field "version" string)
    (field "description" string)
    (field "config-schema" string)
    (field "target" string)
    (field "required-covariates" (list string))
    (field "allow-free-additional-continuous-covariates" bool)
    (field "period-type" $period-type)
    (field "requires-geo" bool)
    (field "min-prediction-periods" u32)
    (field "max-prediction-periods" u32)))
  (export $model-info "model-info" (type $model-info'))
  (type $error-kind' (enum "invalid-config" "invalid-data" "invalid-model" "failed"))
  (export $error-kind "error-kind" (type $error-kind'))
  (type $model-error' (record (field "kind" $error-kind) (field "message" string)))
  (export $model-error "model-error" (type $model-error'))

  (func (export "describe") (result $model-info)
    (canon lift (core func $i "describe") (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (func (export "train")
    (param "config" string) (param "data" $data-frame) (param "geo" (option string))
    (result (result (list u8) (error $model-error)))
    (canon lift (core func $i "train") (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (func (export "predict")
    (param "config" string) (param "model" (list u8)) (param "historic" $data-frame)
    (param "future" $data-frame) (param "geo" (option string))
    (result (result $data-frame (error $model-error)))
    (canon lift (core func $i "predict") (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc")))))
