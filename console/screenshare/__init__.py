"""Screen sharing both ways with remote guidance.

- :mod:`console.screenshare.capture`: what to share (:class:`Region`, monitors) and the mss grabber that
  owns its own thread; BGRA → ``av.VideoFrame`` conversion.
- :mod:`console.screenshare.track`: :class:`ScreenShareTrack` (the aiortc track: change detection,
  adaptive frame rate, size cap) and :class:`ScreenSlot` (what a call's screen transceiver sends).
- :mod:`console.screenshare.controller`: :class:`ScreenShareController`, the one object a call panel
  needs: start/stop the informador's share, the citizen's shared screen, pointer and marks.
- :mod:`console.screenshare.widgets`: the guidance view, region selector, sharing border/stop bar.

Importing this package is cheap; mss, av, numpy and aiortc are imported only when a share starts.
"""
