"""microfactory."""
