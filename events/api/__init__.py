"""The events REST API: thin viewsets over the same selectors, FilterSets, services and rules
as the pages."""
