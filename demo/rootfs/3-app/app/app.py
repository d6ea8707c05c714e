"""Demo web app: the image exists to be scanned, not run."""

import requests
import yaml
from jinja2 import Template


def main() -> None:
    settings = yaml.load(open("/app/settings.yaml"))  # unsafe loader, on purpose
    print(Template("Hello {{ name }}").render(name=settings["name"]))
    print(requests.get(settings["url"]).status_code)


if __name__ == "__main__":
    main()
