"""HTTP routes of the plugin, one module per resource (Strapi's paths and bodies)."""
