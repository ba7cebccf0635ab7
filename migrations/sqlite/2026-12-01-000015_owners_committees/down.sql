DROP TABLE committee_members;
DROP TABLE owners_committees;
