"""The public status page: components and their states, public incidents written by people,
scheduled maintenance, and the subscribers told of every publication."""
