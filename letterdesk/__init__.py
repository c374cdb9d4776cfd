"""letterdesk application shell: configuration, the exception family and the command line.

The working packages sit beside this one: ``ocr``, ``classifier`` and ``storage`` are libraries
(bytes/text in, dataclasses out); ``ingest`` chains the stages and owns the task queue;
``review_ui`` is the Flask desk and API over the ``ingest`` services.
"""
