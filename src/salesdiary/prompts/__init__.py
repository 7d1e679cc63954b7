"""Guided flows on a terminal (questionary). Imported only when a prompt is shown.

The flows ask, and return what was answered; they never write. The command shows a summary and
writes everything in one transaction after the rep confirms. Ctrl-C or Esc at any question raises
`ask.Cancelled`.
"""
