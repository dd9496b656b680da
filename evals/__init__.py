"""Evaluation suite: gold questions, retrieval and answer metrics, ragas judging and reports."""
