"""The directory of educational entities: entities, their officers and buildings
(:mod:`.entities`), the agency's operators and their roles (:mod:`.staff`), and forms generated
for an entity (:mod:`.forms`)."""
