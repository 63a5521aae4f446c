"""The capability's key metrics, declared once: ``RecommendationsConfig.key_metrics`` names them, and the one gate
compares the first, in the engine (learned vs baseline, as ``PARAMS["metric"]``) and in ``publish`` (new vs active).
A leaf module, so that ``publish`` reads it without importing the app config, which wires the receivers, the tasks
and so ``publish`` itself."""

KEY_METRICS = ("recall_at_10", "ndcg_at_10", "best_baseline_recall_at_10")
KEY_METRIC = KEY_METRICS[0]
KEY_METRIC_LABEL = KEY_METRIC.replace("recall_at_", "Recall@").replace("ndcg_at_", "NDCG@")
