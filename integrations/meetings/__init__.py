"""Video meetings for video-call bookings: Microsoft Teams (Graph), Jitsi, or none."""
