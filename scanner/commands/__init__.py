"""Commands of the ``leaktrace`` CLI that live in their own module (``scanner/cli.py`` registers
them and sets the exit codes), and the helpers a command needs beside it."""
