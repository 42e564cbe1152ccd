"""The Greek and English catalogs and the one module that reads them, used by the dialog and
by the e-mails and chat notices alike."""
