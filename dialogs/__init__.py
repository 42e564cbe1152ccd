"""The booking conversation as a transport-free state machine: Event in, Screens out."""
