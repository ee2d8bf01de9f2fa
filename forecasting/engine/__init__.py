"""The forecasting engine: a plain Python library (pandas, NumPy, scikit-learn, XGBoost).

It never imports Django. The Django side turns database rows into the DataFrames described
in :mod:`forecasting.engine.schema`, calls the engine, and stores what it returns.
"""
