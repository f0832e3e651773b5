"""``clientbase watch``: watches folders (``watcher``), runs the same pass and write as
``clientbase sync`` on each saved workbook (``workbook_pass``) and polls Google Sheets (``google``);
``runner`` holds the loop, ``settings`` its ``[watch]`` config."""
