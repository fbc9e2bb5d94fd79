//! The rules for model configs.

mantile_diag::declare_rules! {
    /// Every model-config rule, in code order.
    RULES;
    INVALID_FILE = "MC000", "invalid-file", Error, "The file cannot be checked: unreadable, not a regular file, not UTF-8 or too large.";
    JSON_SYNTAX = "MC001", "json-syntax", Error, "The file is not valid JSON.";
    SCHEMA = "MC002", "schema", Error, "A field is missing or has the wrong type or form (schemas/model-config.schema.json).";
    DUPLICATE_KEY = "MC003", "duplicate-key", Warning, "A key appears twice in one object; the last one silently wins.";
    UNKNOWN_FIELD = "MC004", "unknown-field", Warning, "A field the config format does not define.";
    MODEL_ID_FILENAME = "MC010", "model-id-filename", Error, "`model_id` must equal the file name without `.json`.";
    HF_MODEL_ID = "MC011", "hf-model-id", Error, "`model_id` must be `hf_model_id` with `/` replaced by `_`.";
    DUPLICATE_LAYER_NAME = "MC020", "duplicate-layer-name", Error, "Layer names must be unique within a config.";
    NONSTANDARD_LAYER_NAME = "MC021", "nonstandard-layer-name", Warning, "Layer names should be the standard attention, feedforward, norm, embedding.";
    LAYER_ORDER = "MC022", "layer-order", Warning, "Layers should be in the order attention, feedforward, norm, embedding.";
    MISSING_LAYER = "MC023", "missing-layer", Warning, "A standard layer (attention, feedforward, norm, embedding) is missing from layer_types.";
    UNKNOWN_CLASS = "MC030", "unknown-class", Error, "The layer class is not defined in backend/layers (and the layer is not marked unsupported).";
    MISSING_SPEC = "MC031", "missing-spec", Error, "A spec the layer class requires is missing.";
    UNKNOWN_SPEC = "MC032", "unknown-spec", Warning, "A spec the layer class does not take.";
    MISSING_GAP_REPORT = "MC040", "missing-gap-report", Error, "A layer with `supported: false` must name its `gap_report`.";
    GAP_REPORT_NOT_FOUND = "MC041", "gap-report-not-found", Error, "The `gap_report` file does not exist in the workspace.";
    HIDDEN_SIZE_MISMATCH = "MC050", "hidden-size-mismatch", Error, "A layer's `hidden_size` differs from the model's.";
    VOCAB_SIZE_MISMATCH = "MC051", "vocab-size-mismatch", Error, "The embedding's `vocab_size` differs from the model's.";
    KV_HEADS = "MC052", "kv-heads", Error, "Query heads must be a multiple of key/value heads.";
    TOP_K = "MC053", "top-k", Error, "`top_k` cannot exceed `num_experts`.";
    NUM_PROJECTIONS = "MC054", "num-projections", Error, "`num_projections` must be 2 or 3.";
    ATTENTION_WIDTH = "MC055", "attention-width", Info, "Query width h·dh differs from hidden_size: projections are not square.";
    PARAMETER_COUNT = "MC060", "parameter-count", Error, "`parameter_count` differs from the count recomputed from the specs.";
    TOTAL_PARAMS = "MC061", "total-params", Warning, "`total_params` differs from Σ count × parameters per layer.";
    TOTAL_PARAMS_FORMATTED = "MC062", "total-params-formatted", Warning, "`total_params_formatted` does not agree with `total_params`.";
    LAYER_COUNT = "MC063", "layer-count", Error, "Attention (or feed-forward) layer counts do not add up to `num_layers`.";
    NORM_COUNT = "MC064", "norm-count", Hint, "The norm count suggests one norm per block where most models have two.";
    HUB_UNAVAILABLE = "MC070", "hub-unavailable", Warning, "The model's Hugging Face metadata could not be read (gated, unknown id, timeout, server error, malformed).";
    HUB_MISMATCH = "MC071", "hub-mismatch", Error, "A dimension differs from the model's config.json on Hugging Face.";
    HUB_TOTAL_PARAMS = "MC072", "hub-total-params", Error, "`total_params` differs from the exact parameter count on Hugging Face (warning within 1%).";
    HUB_CACHE = "MC073", "hub-cache", Info, "Hugging Face checks used an expired cached copy of the metadata.";
    HUB_SLIDING_WINDOW = "MC074", "hub-sliding-window", Warning, "The model uses sliding-window attention but no layer models it.";
    HUB_TENSOR_SHAPE = "MC075", "hub-tensor-shape", Error, "A layer's specs give tensor shapes the model's checkpoint on Hugging Face does not have.";
}
