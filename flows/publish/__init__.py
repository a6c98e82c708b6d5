"""Stage 4: versioned CSV releases per report year, their docs and the release index page."""
