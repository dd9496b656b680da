"""The programmatic HTTP APIs served under ``/v1`` beside the web UI: OpenAI-compatible chat (``openai_routes``),
REST (``rest_routes``, ``documents_routes``), their login (``auth``), limits and errors (``errors``), answer
streaming (``answers``) and the docs page (``docs_page``). ``app.build_api`` assembles them into one FastAPI app;
``app.mount_on_launch`` hands it to Gradio's server so it shares the UI's port."""
