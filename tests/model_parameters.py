"""Small model parameters (``ASESOR_MODEL_PARAMETERS`` / ``settings.MODEL_PARAMETERS``) for
tests and benchmarks that need trained models but not good ones: they train in seconds.
Plain data, no Django: benchmark scripts import it before Django is set up."""

SMALL_MODELS = {
    "forecaster": {
        "n_estimators": 15,
        "max_cutoffs": 8,
        "calibration_months": 2,
        "min_bucket_rows": 20,
        "n_jobs": 1,
    },
    "growth": {
        "families": ["xgboost"],
        "n_iter": 1,
        "cv_splits": 2,
        "max_cutoffs": 6,
        "importance_rows": 300,
        "n_jobs": 1,
    },
}
