"""`dockwise build`: an image from a distribution's signed packages, vetted, with what
went into it recorded (docs/build.md). Entry point: `builder.build`."""
