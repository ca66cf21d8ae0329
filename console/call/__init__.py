"""The call core: aiortc peer connection, media sources and rendering for the call panel.

Nothing here imports aiortc or av at module level except the media modules, and this package's
``__init__`` imports nothing heavy: the console imports ``console.call.state``/``messages`` at start-up
and only pulls in aiortc (~110 ms) when a call is prepared.
"""
