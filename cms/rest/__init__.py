"""The REST API generated from the registry, following Strapi v5's contract."""
