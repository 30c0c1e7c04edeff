"""The servicelab tutor: a Textual app that teaches services and tasks beside a live sandbox."""
